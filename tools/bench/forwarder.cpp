#include "tools/bench/forwarder.hpp"

#include "proto/codec.hpp"
#include "proto/defaults.hpp"
#include "proto/message.hpp"
#include "proto/runtime/started_line.hpp"
#include "tools/bench/one_hop_source.hpp"
#include "tools/bench/pacing.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <array>
#include <iostream>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace zchat::bench {
namespace {

constexpr int pub_sndhwm = 10000;
constexpr int max_messages_per_wakeup = 256;
constexpr auto one_hop_quantum = std::chrono::milliseconds(1);
// zchat-broker's default heartbeat interval: the forwarder publishes a HEARTBEAT as often.
constexpr auto heartbeat_interval = zchat::proto::default_heartbeat_interval;
constexpr auto heartbeat_ms = static_cast<std::uint32_t>(heartbeat_interval.count());

const std::string zero64(8, '\0');

// The start of every zchat body: signature and version.
std::string header() {
    return std::string{proto::signature} + static_cast<char>(proto::protocol_version);
}

// A SAY's body: header, word, secret, room (u32 length and bytes), message id, text
// (PROTOCOL.md, section 3).
constexpr std::size_t say_word_at = 6;
constexpr std::size_t say_room_at = say_word_at + 1 + 3 + 16;

// Where a SAY's room field (with its length) ends, or nothing if the body is not a SAY.
std::optional<std::size_t> say_room_end(std::string_view body) {
    if (body.size() < say_room_at + 4 || body.substr(say_word_at, 4) != "\x03SAY")
        return std::nullopt;
    std::size_t room_bytes = 0;
    for (std::size_t i = 0; i < 4; ++i)
        room_bytes = room_bytes << 8 | static_cast<std::uint8_t>(body[say_room_at + i]);
    const std::size_t end = say_room_at + 4 + room_bytes;
    // The message id and the text's length follow.
    if (room_bytes > proto::max_room_bytes || body.size() < end + 8 + 4)
        return std::nullopt;
    return end;
}

// Sends the frames, after the peer's routing id when `to` is given (a reply through the ROUTER).
void send_frames(zmq::socket_t& socket, const proto::frame_list& frames,
                 const zmq::message_t* to = nullptr) {
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size() + 1);
    if (to)
        parts.push_back(zmq::buffer(to->data(), to->size()));
    for (const auto& f : frames)
        parts.push_back(zmq::buffer(f));
    zmq::send_multipart(socket, parts);
}

} // namespace

void run_forwarder(const std::string& router_endpoint, const std::string& pub_endpoint,
                   int stop_fd) {
    zmq::context_t ctx(1);
    zmq::socket_t router(ctx, zmq::socket_type::router);
    zmq::socket_t pub(ctx, zmq::socket_type::pub);
    router.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, pub_sndhwm);
    router.bind(router_endpoint);
    pub.bind(pub_endpoint);
    std::cout << runtime::started_line("Forwarder", {router.get(zmq::sockopt::last_endpoint),
                                                     pub.get(zmq::sockopt::last_endpoint)})
              << std::endl;

    // The fixed parts of an ACK and of a LINE (epoch and seq zero: the forwarder numbers
    // nothing), before the SAY's message id, room and text are copied in.
    const std::string ack_head = header() + "\x03"
                                            "ACK";
    const std::string count_one{"\0\0\0\1", 4};
    const std::string line_head = header() +
                                  "\x04"
                                  "LINE" +
                                  zero64 + zero64;
    // After the room: an empty sender and session id 0.
    const std::string line_sender = std::string(4, '\0') + zero64;
    std::string line;
    std::string chat_topic;
    // The room each connection's last HELLO named, so that its READY's JOIN is published in that
    // room as zchat's is: the only thing the forwarder remembers of a client.
    std::unordered_map<std::string, std::string> room_of_peer;
    std::vector<zmq::message_t> parts;
    std::array<zmq::pollitem_t, 2> items{{
        {router.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, stop_fd, ZMQ_POLLIN, 0},
    }};
    const auto heartbeat = proto::encode(proto::event{proto::heartbeat{0, 0, heartbeat_ms, {}}});
    auto next_heartbeat = std::chrono::steady_clock::now();
    // The one-hop limit's lines of the run being measured, if it is one, and their bursts.
    std::optional<one_hop_source> source;
    bursts one_hop_bursts(one_hop_quantum);
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= next_heartbeat) {
            send_frames(pub, heartbeat);
            next_heartbeat = now + heartbeat_interval;
        }
        // Lines leave in bursts (pacing.hpp): sent one by one, each woke the I/O thread for its
        // own write to every subscriber (100 subscribers: 1.30 us of CPU per delivery with a
        // 100 us quantum, 0.85 us with 1 ms, the forwarder's 0.55-0.84).
        auto wake = next_heartbeat;
        if (const auto due = source ? source->next_due() : std::nullopt)
            wake =
                std::min(wake, std::chrono::steady_clock::time_point(one_hop_bursts.leaves(*due)));
        // poll counts whole milliseconds: what is due sooner is waited for by sleeping, so that
        // it leaves on time rather than up to a millisecond late.
        if (wake > now && wake - now < std::chrono::milliseconds(1))
            std::this_thread::sleep_until(wake);
        zmq::poll(items.data(), items.size(),
                  std::chrono::floor<std::chrono::milliseconds>(
                      std::max(wake - std::chrono::steady_clock::now(),
                               std::chrono::steady_clock::duration::zero())));
        if (items[1].revents & ZMQ_POLLIN)
            return;
        now = std::chrono::steady_clock::now();
        if (const auto due = source ? source->next_due() : std::nullopt;
            due && one_hop_bursts.take(now.time_since_epoch(), *due)) {
            for (int sent = 0; sent < max_messages_per_wakeup; ++sent) {
                const auto due_line = source->next(now.time_since_epoch());
                if (!due_line)
                    break;
                send_frames(pub, proto::encode(proto::event{*due_line}));
            }
        }
        for (int handled = 0; handled < max_messages_per_wakeup; ++handled) {
            parts.clear();
            if (!zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait))
                break;
            // The bench's own message: the schedule of a one-hop run.
            if (parts.size() == 3 && parts[1].to_string_view() == one_hop_schedule) {
                // A run without lines (rate 0) ends the last one's: what it has not sent by then
                // would reach the next run's subscribers, in the same rooms.
                const auto run = parse_worker_config(parts[2].to_string());
                if (run && run->rate > 0 && run->publishers > 0)
                    source.emplace(*run);
                else
                    source.reset();
                continue;
            }
            // routing id, body
            if (parts.size() != 2)
                continue;
            const std::string_view body = parts[1].to_string_view();
            if (const auto room_end = say_room_end(body)) {
                // What zchat answers and publishes for a SAY, built from its bytes: the room, the
                // message id and the text (with their lengths) are copied, not decoded.
                const std::string_view room_field =
                    body.substr(say_room_at, *room_end - say_room_at);
                const std::string_view message_id = body.substr(*room_end, 8);
                const std::string ack = ack_head + std::string{message_id} + zero64 + count_one;
                const std::array<zmq::const_buffer, 2> reply{
                    zmq::buffer(parts[0].data(), parts[0].size()), zmq::buffer(ack)};
                zmq::send_multipart(router, reply);
                line.assign(line_head);
                line.append(room_field);
                line.append(line_sender);
                line.append(message_id);
                line.append(body.substr(*room_end + 8));
                chat_topic = proto::chat_topic(room_field.substr(4));
                const std::array<zmq::const_buffer, 2> event{zmq::buffer(chat_topic),
                                                             zmq::buffer(line)};
                zmq::send_multipart(pub, event);
                continue;
            }
            const std::array<std::string_view, 1> frames{body};
            const auto decoded = proto::decode_command(frames);
            const auto* command = std::get_if<proto::command>(&decoded);
            if (!command)
                continue;
            if (const auto* hello = std::get_if<proto::hello>(command)) {
                // zchat answers a HELLO with a WELCOME, and so does the forwarder, with zeros
                // where zchat has a session.
                proto::welcome w;
                w.name = hello->name;
                w.heartbeat_ms = heartbeat_ms;
                send_frames(router, proto::encode(proto::reply{w}), &parts[0]);
                auto probe = proto::encode(proto::event{proto::probe{}});
                probe.front() = "probe/" + hello->name + "/";
                send_frames(pub, probe);
                room_of_peer[parts[0].to_string()] = hello->room;
            } else if (std::holds_alternative<proto::ready>(*command)) {
                // zchat announces every join to everyone in the room; the forwarder, which knows
                // no names here, announces an empty one.
                const auto room = room_of_peer.find(parts[0].to_string());
                proto::joined joined;
                joined.room =
                    room != room_of_peer.end() ? room->second : std::string{proto::default_room};
                send_frames(pub, proto::encode(proto::event{joined}));
            }
        }
    }
}

} // namespace zchat::bench
