// The name tables: every value the wire can carry today has exactly one name, names are unique,
// and what a newer peer may send is named as unknown rather than misnamed.
#include "proto/names.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace zchat::proto {
namespace {

template <class Enum, std::size_t N>
void expect_every_wire_value_named_once(const name_table<Enum, N>& table, unsigned first,
                                        unsigned last) {
    std::set<std::string_view> names;
    for (unsigned v = first; v <= last; ++v) {
        const auto value = static_cast<Enum>(v);
        const std::string_view name = name_in(table, value, "");
        EXPECT_FALSE(name.empty()) << "value " << v << " has no name";
        EXPECT_TRUE(names.insert(name).second) << name << " names two values";
        EXPECT_EQ(value_in(table, name), value);
    }
    EXPECT_EQ(names.size(), N);
}

TEST(Names, EveryErrorCodeHasOneName) {
    expect_every_wire_value_named_once(error_names, 1, 22);
    EXPECT_EQ(error_name(error_code::not_joined), "E_NOT_JOINED");
    EXPECT_EQ(error_name(error_code::room_invalid), "E_ROOM_INVALID");
    EXPECT_EQ(error_name(error_code::not_in_room), "E_NOT_IN_ROOM");
    EXPECT_EQ(error_name(error_code::too_many_rooms), "E_TOO_MANY_ROOMS");
    EXPECT_EQ(value_in(error_names, "E_ROOM_INVALID"), error_code::room_invalid);
    EXPECT_EQ(error_name(error_code::no_such_user), "E_NO_SUCH_USER");
    EXPECT_EQ(error_name(error_code::bad_range), "E_BAD_RANGE");
    EXPECT_EQ(error_name(static_cast<error_code>(23)), "E_UNKNOWN");
    EXPECT_EQ(error_name(error_code::unsupported_version), "E_VERSION");
    EXPECT_EQ(error_name(static_cast<error_code>(999)), "E_UNKNOWN");
}

TEST(Names, EveryLeaveReasonHasOneNameAndOneWording) {
    expect_every_wire_value_named_once(leave_reason_names, 1, 8);
    expect_every_wire_value_named_once(leave_reason_words, 1, 8);
    EXPECT_EQ(reason_name(leave_reason::timed_out), "timed_out");
    EXPECT_EQ(reason_words(leave_reason::timed_out), "timed out");
    EXPECT_EQ(reason_name(leave_reason::parted), "parted");
    EXPECT_EQ(reason_words(leave_reason::parted), "left the room");
    EXPECT_EQ(reason_name(static_cast<leave_reason>(9)), "unknown");
    EXPECT_EQ(reason_name(static_cast<leave_reason>(200)), "unknown");
    EXPECT_EQ(reason_words(static_cast<leave_reason>(200)), "unknown reason");
}

TEST(Names, EachEventKindIsNamedByItsAlternative) {
    EXPECT_EQ(kind_name(line{}), "line");
    EXPECT_EQ(kind_name(joined{}), "join");
    EXPECT_EQ(kind_name(left{}), "leave");
    EXPECT_EQ(kind_name(heartbeat{}), "heartbeat");
    EXPECT_EQ(kind_name(probe{}), "probe");
    EXPECT_EQ(kind_name(shutdown{}), "shutdown");
    EXPECT_EQ(kind_name(stats{}), "stats");
    expect_every_wire_value_named_once(event_kind_names, 0, 7);
}

} // namespace
} // namespace zchat::proto
