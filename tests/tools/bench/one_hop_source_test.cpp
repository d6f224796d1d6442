#include "tools/bench/one_hop_source.hpp"

#include "proto/defaults.hpp"
#include "tools/bench/payload.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace zchat::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::int64_t start_ns = 5'000'000'000;

// 100 lines/s from 2 publishers over 2 rooms, for 100 ms of warmup and 200 ms measured.
worker_config run_of_two_publishers() {
    worker_config c;
    c.rate = 100;
    c.publishers = 2;
    c.rooms = 2;
    c.payload_bytes = 64;
    c.start_ns = start_ns;
    c.warmup = milliseconds(100);
    c.duration = milliseconds(200);
    return c;
}

// Each line is due when the publishers' schedule says, carries the id and payload its publisher
// would have sent, in that publisher's room; those due before the window ends are all of them.
TEST(OneHopSource, HandsOutThePublishersLinesOnTheirScheduleAndStopsAtTheWindowsEnd) {
    const worker_config c = run_of_two_publishers();
    one_hop_source source(c);
    const pacing schedule(nanoseconds(start_ns), c.rate, c.publishers);
    ASSERT_EQ(source.next_due(), nanoseconds(start_ns));
    EXPECT_FALSE(source.next(nanoseconds(start_ns) - nanoseconds(1)));

    std::vector<proto::line> lines;
    const nanoseconds end = nanoseconds(start_ns) + milliseconds(300);
    for (nanoseconds now = nanoseconds(start_ns); now <= end + milliseconds(100);
         now += milliseconds(1))
        while (const auto line = source.next(now)) {
            const std::size_t i = lines.size();
            const auto publisher = static_cast<std::uint32_t>(i % 2);
            EXPECT_EQ(now, schedule.intended(publisher, i / 2)) << "line " << i;
            lines.push_back(*line);
        }
    // Lines 0 to 29 are due in [start, start + 300 ms): every 10 ms.
    ASSERT_EQ(lines.size(), 30u);
    EXPECT_FALSE(source.next_due());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto publisher = static_cast<std::uint32_t>(i % 2);
        const std::uint64_t id = i / 2 + 1;
        EXPECT_EQ(lines[i].room, room_name(room_of_publisher(c, publisher), c.rooms));
        EXPECT_EQ(lines[i].message_id, id);
        EXPECT_EQ(
            decode_payload(lines[i].text),
            (payload{publisher, id,
                     static_cast<std::uint64_t>(schedule.intended(publisher, id - 1).count())}));
        EXPECT_EQ(lines[i].text.size(), 64u);
    }
    EXPECT_EQ(lines[0].room, "bench-0");
    EXPECT_EQ(lines[1].room, "bench-1");
}

TEST(OneHopSource, InOneRoomEveryLineIsTheDefaultRooms) {
    worker_config c = run_of_two_publishers();
    c.rooms = 1;
    one_hop_source source(c);
    const auto line = source.next(nanoseconds(start_ns) + milliseconds(5));
    ASSERT_TRUE(line);
    EXPECT_EQ(line->room, proto::default_room);
}

} // namespace
} // namespace zchat::bench
