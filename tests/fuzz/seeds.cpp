// Writes the seed corpus for the fuzz targets: every kind of message, valid, as frames.hpp
// frames them, plus scripted sessions for the core target: a join-and-chat, and a tour of rooms.
// Usage: zchat_fuzz_seeds DIR
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
        proto::encode(proto::command{proto::hello{"alice", "lobby", std::nullopt}}),
        proto::encode(
            proto::command{proto::hello{"bob", "lobby", proto::resume_ticket{1, secret}}}),
        proto::encode(proto::command{proto::ready{secret}}),
        proto::encode(proto::command{proto::say{secret, "lobby", 1, "Hello\tworld"}}),
        proto::encode(proto::command{proto::who{secret, "lobby"}}),
        proto::encode(proto::command{proto::bye{secret}}),
        proto::encode(proto::command{proto::ping{secret, {{"lobby", 3}}}}),
        proto::encode(proto::command{proto::join{secret, "ops"}}),
        proto::encode(proto::command{proto::say{secret, "ops", 2, "in ops"}}),
        proto::encode(proto::command{proto::ping{secret, {{"lobby", 3}, {"ops", 1}}}}),
        proto::encode(proto::command{proto::list_rooms{secret}}),
        proto::encode(proto::command{proto::private_say{secret, "bob", 3, "psst"}}),
        proto::encode(proto::command{proto::who{secret, "ops"}}),
        proto::encode(proto::command{proto::part{secret, "ops"}}),
        proto::encode(proto::command{proto::ping{secret, {}}}),
        proto::encode(proto::command{proto::hello{"carol", "dev-2", std::nullopt}}),
        proto::encode(proto::command{proto::join{secret, "Not a room"}}),
        proto::encode(proto::reply{
            proto::welcome{"alice", 1, secret, 42, "lobby", 0, 1000, 3, 32, 4096, 20, 40, 32}}),
        proto::encode(proto::reply{proto::error{proto::error_code::name_taken, 0, "taken"}}),
        proto::encode(proto::reply{proto::ack{1, 2}}),
        proto::encode(proto::reply{proto::ack{5, 9, 3}}),
        proto::encode(proto::reply{proto::roster{"lobby", 1, {"alice", "bob"}}}),
        proto::encode(proto::reply{proto::room_entered{"ops", 0, 1, 1}}),
        proto::encode(proto::reply{proto::room_list{{{"lobby", 2}, {"ops", 1}}}}),
        proto::encode(proto::reply{proto::private_line{"alice", 7, 3, "psst"}}),
        proto::encode(proto::event{proto::line{42, 2, "lobby", "alice", 1, 1, "Hello"}}),
        proto::encode(proto::event{proto::joined{42, 1, "lobby", "alice", 1, 1, 0}}),
        proto::encode(
            proto::event{proto::left{42, 3, "ops", "alice", 1, 0, proto::leave_reason::parted}}),
        proto::encode(
            proto::event{proto::heartbeat{42, 2, 1000, {{"lobby", 2, 2}, {"ops", 1, 3}}}}),
        proto::encode(proto::event{proto::probe{42, 1}}),
        proto::encode(proto::event{proto::shutdown{42}}),
        proto::encode(proto::event{proto::stats{
            42,
            1000,
            1,
            2,
            2,
            3,
            1,
            10,
            20,
            0,
            0,
            0,
            {{proto::error_code::malformed, 1}, {proto::error_code::not_in_room, 2}}}}),
        proto::encode_batch(
            std::vector<proto::event>{proto::line{42, 4, "lobby", "alice", 1, 2, "one"},
                                      proto::line{42, 5, "lobby", "bob", 2, 1, "two"}}),
        proto::encode_batch(std::vector<proto::event>{
            proto::joined{42, 2, "ops", "bob", 2, 2, 1},
            proto::left{42, 3, "ops", "bob", 2, 1, proto::leave_reason::parted}}),
        // What a version 1 client sends: a frame per field.
        proto::frame_list{"ZCHAT\x01", "HELLO", "alice", ""},
    };
    // History and actions, for the "history" core seed below.
    const std::vector<proto::frame_list> history_messages{
        proto::encode(
            proto::command{proto::say{secret, "lobby", 3, "waves", proto::line_kind::action}}),
        proto::encode(proto::command{proto::fetch{secret, "lobby", 1, 2}}),
        proto::encode(proto::command{proto::fetch{secret, "lobby", 9, 3}}),
        proto::encode(proto::command{proto::fetch{secret, "lobby", 1, UINT64_MAX}}),
        proto::encode(proto::reply{proto::history{
            "lobby", 1, 2, 0, {{1, 1500, "alice", 1, 1, proto::line_kind::text, "Hello"}}}}),
    };
    for (std::size_t i = 0; i < messages.size(); ++i)
        write(dir / "decode" / ("message-" + std::to_string(i)), fuzz::join_frames(messages[i]));
    for (std::size_t i = 0; i < history_messages.size(); ++i)
        write(dir / "decode" / ("history-" + std::to_string(i)),
              fuzz::join_frames(history_messages[i]));

    // The core learns secrets from a counter (fuzz_core.cpp), so secret 1 is the first session's.
    // join-chat-leave: peer 0 joins the lobby, says a line, asks who is there and pings; peer 1
    // joins as bob (its ticket names alice's session, so it is no resume); peer 0 says goodbye.
    // rooms: peer 0 joins the lobby, enters ops and says a line there, pings both rooms, lists
    // the rooms, asks who is in ops, tries a room that is no room name, leaves ops, pings from
    // the lobby alone with no position, says a line in the lobby and says goodbye.
    write(dir / "core" / "join-chat-leave",
          core_message(0, 1, messages[0]) + core_message(0, 1, messages[2]) +
              core_message(0, 1, messages[3]) + core_message(0, 1, messages[4]) +
              core_message(0, 1, messages[6]) + core_message(1, 60, messages[1]) +
              core_message(0, 1, messages[5]));
    write(dir / "core" / "rooms",
          core_message(0, 1, messages[0]) + core_message(0, 1, messages[2]) +
              core_message(0, 1, messages[7]) + core_message(0, 1, messages[8]) +
              core_message(0, 1, messages[9]) + core_message(0, 1, messages[10]) +
              core_message(0, 1, messages[11]) + core_message(0, 1, messages[15]) +
              core_message(0, 1, messages[12]) + core_message(0, 1, messages[13]) +
              core_message(0, 1, messages[3]) + core_message(0, 1, messages[5]));
    // history: peer 0 joins the lobby, says a line and an action, fetches them, fetches a
    // reversed range and the widest one, and says goodbye.
    write(dir / "core" / "history",
          core_message(0, 1, messages[0]) + core_message(0, 1, messages[2]) +
              core_message(0, 1, messages[3]) + core_message(0, 5, history_messages[0]) +
              core_message(0, 5, history_messages[1]) + core_message(0, 1, history_messages[2]) +
              core_message(0, 1, history_messages[3]) + core_message(0, 1, messages[5]));
    std::cout << "seeds written to " << dir << '\n';
    return 0;
}
