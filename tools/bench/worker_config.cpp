#include "tools/bench/worker_config.hpp"

#include "proto/message.hpp"

#include <cassert>
#include <sstream>

namespace zchat::bench {
namespace {

template <typename Number>
bool read_number(const std::string& value, Number& into) {
    std::istringstream in(value);
    Number parsed{};
    if (!(in >> parsed) || !(in >> std::ws).eof())
        return false;
    into = parsed;
    return true;
}

bool read_ms(const std::string& value, std::chrono::milliseconds& into) {
    std::int64_t count = 0;
    if (!read_number(value, count))
        return false;
    into = std::chrono::milliseconds(count);
    return true;
}

} // namespace

std::string serialize(const worker_config& c) {
    std::ostringstream out;
    out.precision(17);
    out << "router " << c.router_endpoint << "\nsub " << c.pub_endpoint << "\nbaseline "
        << c.baseline << "\none_hop " << c.one_hop << "\nstart_ns " << c.start_ns << "\nclients "
        << c.clients << "\nall_clients " << c.all_clients << "\nname_prefix " << c.name_prefix
        << "\nfirst_client " << c.first_client << "\npublishers " << c.publishers
        << "\nlocal_publishers " << c.local_publishers << "\nfirst_publisher " << c.first_publisher
        << "\nrooms " << c.rooms << "\nrate " << c.rate << "\nchurn_rate " << c.churn_rate
        << "\npayload_bytes " << c.payload_bytes << "\nwarmup_ms " << c.warmup.count()
        << "\nduration_ms " << c.duration.count() << "\ndrain_timeout_ms "
        << c.drain_timeout.count() << "\njoin_timeout_ms " << c.join_timeout.count() << "\nend\n";
    return out.str();
}

std::optional<worker_config> parse_worker_config(const std::string& text) {
    worker_config c;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        bool ok = true;
        if (key == "end")
            return c;
        if (key == "router")
            c.router_endpoint = value;
        else if (key == "sub")
            c.pub_endpoint = value;
        else if (key == "name_prefix")
            c.name_prefix = value;
        else if (key == "baseline")
            ok = read_number(value, c.baseline);
        else if (key == "one_hop")
            ok = read_number(value, c.one_hop);
        else if (key == "start_ns")
            ok = read_number(value, c.start_ns);
        else if (key == "clients")
            ok = read_number(value, c.clients);
        else if (key == "all_clients")
            ok = read_number(value, c.all_clients);
        else if (key == "first_client")
            ok = read_number(value, c.first_client);
        else if (key == "publishers")
            ok = read_number(value, c.publishers);
        else if (key == "local_publishers")
            ok = read_number(value, c.local_publishers);
        else if (key == "first_publisher")
            ok = read_number(value, c.first_publisher);
        else if (key == "rooms")
            ok = read_number(value, c.rooms);
        else if (key == "rate")
            ok = read_number(value, c.rate);
        else if (key == "churn_rate")
            ok = read_number(value, c.churn_rate);
        else if (key == "payload_bytes")
            ok = read_number(value, c.payload_bytes);
        else if (key == "warmup_ms")
            ok = read_ms(value, c.warmup);
        else if (key == "duration_ms")
            ok = read_ms(value, c.duration);
        else if (key == "drain_timeout_ms")
            ok = read_ms(value, c.drain_timeout);
        else if (key == "join_timeout_ms")
            ok = read_ms(value, c.join_timeout);
        else
            ok = false;
        if (!ok)
            return std::nullopt;
    }
    return std::nullopt;
}

std::string room_name(std::uint32_t room, std::uint32_t rooms) {
    assert(room < rooms);
    return rooms == 1 ? std::string{proto::default_room} : "bench-" + std::to_string(room);
}

std::uint32_t room_of_publisher(const worker_config& c, std::uint32_t publisher) {
    return publisher % c.rooms;
}

std::uint32_t room_of_client(const worker_config& c, std::uint32_t local) {
    assert(local < c.clients);
    if (local < c.local_publishers)
        return room_of_publisher(c, c.first_publisher + local);
    // The workers before this one hold first_client clients, first_publisher of them publishers.
    const std::uint32_t quiet_before = c.first_client - c.first_publisher;
    return (c.publishers + quiet_before + (local - c.local_publishers)) % c.rooms;
}

std::uint32_t room_members(const worker_config& c, std::uint32_t room) {
    assert(room < c.rooms);
    // Dealt round-robin from room 0 (publishers and then the others make one sequence).
    return c.all_clients / c.rooms + (room < c.all_clients % c.rooms ? 1 : 0);
}

} // namespace zchat::bench
