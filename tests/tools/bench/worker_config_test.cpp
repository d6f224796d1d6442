#include "tools/bench/worker_config.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace zchat::bench {
namespace {

worker_config sample_config() {
    worker_config c;
    c.router_endpoint = "tcp://127.0.0.1:40001";
    c.pub_endpoint = "tcp://127.0.0.1:40002";
    c.baseline = true;
    c.one_hop = true;
    c.start_ns = 1234567890123456789;
    c.clients = 250;
    c.all_clients = 1000;
    c.name_prefix = "b123r4c";
    c.first_client = 750;
    c.publishers = 8;
    c.local_publishers = 2;
    c.first_publisher = 6;
    c.rooms = 7;
    c.rate = 12345.678;
    c.churn_rate = 0.5;
    c.payload_bytes = 100;
    c.warmup = std::chrono::milliseconds(300);
    c.duration = std::chrono::milliseconds(2500);
    c.drain_timeout = std::chrono::milliseconds(4000);
    c.join_timeout = std::chrono::milliseconds(35000);
    return c;
}

TEST(WorkerConfig, ItsTextFormReadsBackFieldForField) {
    const auto c = sample_config();
    const auto back = parse_worker_config(serialize(c));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->router_endpoint, c.router_endpoint);
    EXPECT_EQ(back->pub_endpoint, c.pub_endpoint);
    EXPECT_EQ(back->baseline, c.baseline);
    EXPECT_EQ(back->one_hop, c.one_hop);
    EXPECT_EQ(back->start_ns, c.start_ns);
    EXPECT_EQ(back->clients, c.clients);
    EXPECT_EQ(back->all_clients, c.all_clients);
    EXPECT_EQ(back->name_prefix, c.name_prefix);
    EXPECT_EQ(back->first_client, c.first_client);
    EXPECT_EQ(back->publishers, c.publishers);
    EXPECT_EQ(back->local_publishers, c.local_publishers);
    EXPECT_EQ(back->first_publisher, c.first_publisher);
    EXPECT_EQ(back->rooms, c.rooms);
    EXPECT_DOUBLE_EQ(back->rate, c.rate);
    EXPECT_DOUBLE_EQ(back->churn_rate, c.churn_rate);
    EXPECT_EQ(back->payload_bytes, c.payload_bytes);
    EXPECT_EQ(back->warmup, c.warmup);
    EXPECT_EQ(back->duration, c.duration);
    EXPECT_EQ(back->drain_timeout, c.drain_timeout);
    EXPECT_EQ(back->join_timeout, c.join_timeout);
}

TEST(WorkerConfig, TextThatIsCutShortOrWrongIsRefused) {
    const std::string text = serialize(sample_config());
    EXPECT_FALSE(parse_worker_config(text.substr(0, text.size() - 4)).has_value());
    EXPECT_FALSE(parse_worker_config("clients many\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("clients 5x\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("colour blue\nend\n").has_value());
    EXPECT_FALSE(parse_worker_config("").has_value());
}

TEST(Rooms, OneRoomIsTheLobbyAndSeveralAreNumbered) {
    EXPECT_EQ(room_name(0, 1), "lobby");
    EXPECT_EQ(room_name(0, 3), "bench-0");
    EXPECT_EQ(room_name(2, 3), "bench-2");
    EXPECT_EQ(room_name(9999, 10000), "bench-9999");
}

// The shares --procs hands out, as main.cpp splits them: contiguous clients, publishers spread.
std::vector<worker_config> split(std::uint32_t clients, std::uint32_t publishers,
                                 std::uint32_t rooms, std::uint32_t procs) {
    std::vector<worker_config> shares;
    std::uint32_t first_client = 0;
    std::uint32_t first_publisher = 0;
    for (std::uint32_t i = 0; i < procs; ++i) {
        worker_config c;
        c.all_clients = clients;
        c.publishers = publishers;
        c.rooms = rooms;
        c.clients = clients / procs + (i < clients % procs ? 1 : 0);
        c.local_publishers = publishers / procs + (i < publishers % procs ? 1 : 0);
        c.first_client = first_client;
        c.first_publisher = first_publisher;
        first_client += c.clients;
        first_publisher += c.local_publishers;
        shares.push_back(c);
    }
    return shares;
}

TEST(Rooms, OneWorkerDealsPublishersThenTheOthersRoundRobin) {
    const auto c = split(7, 3, 3, 1).front();
    std::vector<std::uint32_t> rooms;
    for (std::uint32_t i = 0; i < c.clients; ++i)
        rooms.push_back(room_of_client(c, i));
    EXPECT_EQ(rooms, (std::vector<std::uint32_t>{0, 1, 2, 0, 1, 2, 0}));
    EXPECT_EQ(room_members(c, 0), 3u);
    EXPECT_EQ(room_members(c, 1), 2u);
    EXPECT_EQ(room_members(c, 2), 2u);
}

TEST(Rooms, OneRoomHoldsEveryone) {
    const auto c = split(5, 2, 1, 1).front();
    for (std::uint32_t i = 0; i < c.clients; ++i)
        EXPECT_EQ(room_of_client(c, i), 0u);
    EXPECT_EQ(room_members(c, 0), 5u);
}

// However the clients are split over workers, each publisher is where room_of_publisher says
// (so every worker knows whom a line is due to) and each room holds room_members clients.
TEST(Rooms, WorkersAgreeOnTheRoomsWhateverTheSplit) {
    for (const std::uint32_t procs : {1u, 2u, 3u, 4u}) {
        SCOPED_TRACE(procs);
        const auto shares = split(11, 4, 3, procs);
        std::vector<std::uint32_t> members(3, 0);
        for (const auto& c : shares)
            for (std::uint32_t i = 0; i < c.clients; ++i) {
                const std::uint32_t room = room_of_client(c, i);
                if (i < c.local_publishers) {
                    EXPECT_EQ(room, room_of_publisher(c, c.first_publisher + i));
                }
                ++members[room];
            }
        for (std::uint32_t room = 0; room < 3; ++room)
            EXPECT_EQ(members[room], room_members(shares.front(), room)) << room;
        EXPECT_EQ(members, (std::vector<std::uint32_t>{4, 4, 3}));
    }
}

} // namespace
} // namespace zchat::bench
