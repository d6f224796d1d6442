// Writes the seed corpus for the fuzz targets: every kind of message, valid, as frames.hpp
// frames them, plus a scripted join-and-chat for the core target. Usage: zchat_fuzz_seeds DIR
#include "proto/codec.hpp"
#include "tests/fuzz/frames.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

using namespace zchat;

void write(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

// One message of the core target's input: control byte (peer, clock step), frame count, frames.
std::string core_message(unsigned peer, unsigned step, const proto::frame_list& frames) {
    std::string out = fuzz::join_frames({std::string(1, static_cast<char>((step << 2) | peer)),
                                         std::string(1, static_cast<char>(frames.size()))});
    return out + fuzz::join_frames(frames);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: zchat_fuzz_seeds DIR\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir / "decode");
    std::filesystem::create_directories(dir / "core");

    proto::session_secret secret{};
    secret[0] = 1;
    const std::vector<proto::frame_list> messages{
        proto::encode(proto::command{proto::hello{"alice", std::nullopt}}),
        proto::encode(proto::command{proto::hello{"bob", proto::resume_ticket{1, secret}}}),
        proto::encode(proto::command{proto::ready{secret, 0}}),
        proto::encode(proto::command{proto::say{secret, 1, "Hello\tworld"}}),
        proto::encode(proto::command{proto::who{secret}}),
        proto::encode(proto::command{proto::bye{secret}}),
        proto::encode(proto::command{proto::ping{secret, 3}}),
        proto::encode(
            proto::reply{proto::welcome{"alice", 1, secret, 42, 0, 0, 1000, 3, 32, 4096, 20, 40}}),
        proto::encode(proto::reply{proto::error{proto::error_code::name_taken, 0, "taken"}}),
        proto::encode(proto::reply{proto::ack{1, 2}}),
        proto::encode(proto::reply{proto::ack{5, 9, 3}}),
        proto::encode(proto::reply{proto::roster{1, {"alice", "bob"}}}),
        proto::encode(proto::event{proto::line{42, 2, "alice", 1, 1, "Hello"}}),
        proto::encode(proto::event{proto::joined{42, 1, "alice", 1, 1, 1}}),
        proto::encode(
            proto::event{proto::left{42, 3, "alice", 1, 0, 2, proto::leave_reason::quit}}),
        proto::encode(proto::event{proto::heartbeat{42, 3, 0, 2, 1000}}),
        proto::encode(proto::event{proto::probe{42, 0, 1}}),
        proto::encode(proto::event{proto::shutdown{42, 3}}),
        proto::encode(proto::event{proto::stats{
            42, 3, 1000, 1, 2, 3, 1, 10, 20, 0, 0, 0, {{proto::error_code::malformed, 1}}}}),
        proto::encode_batch(std::vector<proto::event>{proto::line{42, 4, "alice", 1, 2, "one"},
                                                      proto::line{42, 5, "bob", 2, 1, "two"}}),
        // What a version 1 client sends: a frame per field.
        proto::frame_list{"ZCHAT\x01", "HELLO", "alice", ""},
    };
    for (std::size_t i = 0; i < messages.size(); ++i)
        write(dir / "decode" / ("message-" + std::to_string(i)), fuzz::join_frames(messages[i]));

    // The core learns secrets from a counter (fuzz_core.cpp), so secret 1 is the first session's.
    write(dir / "core" / "join-chat-leave",
          core_message(0, 1, messages[0]) + core_message(0, 1, messages[2]) +
              core_message(0, 1, messages[3]) + core_message(0, 1, messages[4]) +
              core_message(0, 1, messages[6]) + core_message(1, 60, messages[1]) +
              core_message(0, 1, messages[5]));
    std::cout << "seeds written to " << dir << '\n';
    return 0;
}
