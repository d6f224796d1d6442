// What one worker of simulated clients is to do, and its text form: the orchestrator of
// --procs starts each worker as a fresh zchat-bench process (fork and exec, so the worker
// inherits no threads or library state) and hands it its share on standard input. Also which
// room each client is in, worked out alike by every worker from its share alone.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace zchat::bench {

struct worker_config {
    std::string router_endpoint;
    std::string pub_endpoint;
    bool baseline = false; // talk to the forwarder (mimicked join) instead of zchat
    // The one-hop limit: the forwarder itself publishes the publishers' lines on the schedule
    // (one_hop_source), so they cross one hop, PUB to SUB; the publishers here send nothing and
    // count every line due as sent and ACKed. Implies baseline.
    bool one_hop = false;
    // When the schedule starts (steady_clock nanoseconds): for the one-hop source, told it with
    // the rest of the run; the workers learn it once they have all joined.
    std::int64_t start_ns = 0;
    std::uint32_t clients = 0; // in this worker
    std::string name_prefix;   // client names are prefix + index; unique per broker run
    std::uint32_t first_client = 0;
    std::uint32_t all_clients = 0; // in all the workers together
    // Publishers: this worker's first `local_publishers` clients are publishers
    // first_publisher, first_publisher + 1, ... of `publishers` in all.
    std::uint32_t publishers = 0;
    std::uint32_t local_publishers = 0;
    std::uint32_t first_publisher = 0;
    // The rooms the clients are spread over (room_of_client); 1: all in the default room.
    std::uint32_t rooms = 1;
    double rate = 0; // lines/s of all publishers together
    // Churn: this many times per second one joined client says BYE and joins again on new
    // connections (0: no churn). Clients take turns round-robin.
    double churn_rate = 0;
    std::size_t payload_bytes = 64;
    std::chrono::milliseconds warmup{1000};
    std::chrono::milliseconds duration{5000};
    // Longest wait for outstanding lines and ACKs after the last line is sent.
    std::chrono::milliseconds drain_timeout{5000};
    std::chrono::milliseconds join_timeout{30000};
};

// One "key value" line per field, then "end"; parse_worker_config returns nothing on bad input
// (an unknown key, a value that does not parse, no "end").
std::string serialize(const worker_config& c);
std::optional<worker_config> parse_worker_config(const std::string& text);

// Rooms. The clients are dealt round-robin over c.rooms rooms, publishers first: publisher p is in
// room p % rooms, and the n-th client that does not publish (counting across all workers, in
// order) in room (publishers + n) % rooms. So each room has publishers whenever there are at least
// as many publishers as rooms, however --procs splits the clients.

// The name of room `room` of `rooms`: the default room when there is one, else "bench-<room>".
std::string room_name(std::uint32_t room, std::uint32_t rooms);
std::uint32_t room_of_publisher(const worker_config& c, std::uint32_t publisher);
// The room of this worker's client `local` (0 <= local < c.clients).
std::uint32_t room_of_client(const worker_config& c, std::uint32_t local);
// How many clients of all the workers are in room `room`: each of its lines is due to them all.
std::uint32_t room_members(const worker_config& c, std::uint32_t room);

} // namespace zchat::bench
