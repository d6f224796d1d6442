// The broker's option table and config file, without starting a broker: every option reads
// back its own default, a config file sets what it names and says where it is wrong, and the
// checks between options name the options in the form the user wrote them.
#include "broker/options.hpp"

#include <gtest/gtest.h>

#include <set>

namespace zchat::broker {
namespace {

TEST(BrokerOptions, EveryOptionAcceptsItsOwnDefaultAndNamesAreUnique) {
    const broker_settings defaults;
    std::set<std::string_view> names;
    for (const option_spec& o : broker_options()) {
        SCOPED_TRACE(o.name);
        EXPECT_TRUE(names.insert(o.name).second);
        EXPECT_EQ(find_option(o.name), &o);
        const std::string shown = o.default_text(defaults);
        if (shown.empty())
            continue; // no default: a file name
        broker_settings s;
        EXPECT_EQ(o.set(s, shown), std::nullopt);
        EXPECT_EQ(o.default_text(s), shown);
    }
    EXPECT_EQ(find_option("no-such-option"), nullptr);
}

TEST(BrokerOptions, AConfigFileSetsWhatItNames) {
    broker_settings s;
    const std::string text = "# a comment\n"
                             "\n"
                             "router = tcp://*:6555\n"
                             "pub=tcp://*:6556\n"
                             "heartbeat-ms = 250\n"
                             "stats-interval = 0.5\n"
                             "rate = 0\n";
    EXPECT_EQ(apply_config(s, text, "broker.conf"), std::nullopt);
    EXPECT_EQ(s.server.router_endpoint, "tcp://*:6555");
    EXPECT_EQ(s.server.pub_endpoint, "tcp://*:6556");
    EXPECT_EQ(s.server.core.heartbeat_interval, std::chrono::milliseconds(250));
    EXPECT_EQ(s.server.core.stats_interval, std::chrono::milliseconds(500));
    EXPECT_EQ(s.server.core.rate_per_second, 0u);
    EXPECT_EQ(s.server.core.liveness, broker_settings{}.server.core.liveness); // untouched
}

TEST(BrokerOptions, AConfigFileSaysWhereAndWhatIsWrong) {
    const auto error = [](const std::string& text) {
        broker_settings s;
        return apply_config(s, text, "broker.conf").value_or("(no error)");
    };
    EXPECT_EQ(error("router = tcp://*:1\nlivenes = 3\n"),
              "broker.conf:2: unknown setting 'livenes'");
    EXPECT_EQ(error("\n\nliveness = 0\n"), "broker.conf:3: liveness must be from 1 to 1000");
    EXPECT_EQ(error("max-clients = lots\n"),
              "broker.conf:1: max-clients must be a whole number ('lots' is not)");
    EXPECT_EQ(error("[broker]\nrouter = tcp://*:1\n"),
              "broker.conf:2: sections are not used; put every setting at the top level");
    EXPECT_EQ(error("router\n"), "broker.conf:1: not a 'key = value' line");
    EXPECT_EQ(error("router =\n"), "broker.conf:1: router must not be empty");
}

TEST(BrokerOptions, TheFrameLimitMustHoldAPingFromASessionInTheMostRooms) {
    // With short lines, the longest command is a PING listing 32 rooms of 32 bytes: 1439 bytes.
    broker_settings s;
    s.server.core.max_text_bytes = 100;
    s.server.max_frame_bytes = 1438;
    EXPECT_EQ(check_settings(s, ""),
              "max-frame-bytes must be from 1439 (a SAY or MSG of max-text-bytes, and the longest "
              "other command) to 16777216");
    s.server.max_frame_bytes = 1439;
    EXPECT_EQ(check_settings(s, ""), std::nullopt);
}

TEST(BrokerOptions, MaxRoomsIsAPositiveCountOfRoomsKept) {
    EXPECT_EQ(broker_settings{}.server.core.max_rooms, 1000u);
    broker_settings s;
    EXPECT_EQ(apply_config(s, "max-rooms = 5\n", "broker.conf"), std::nullopt);
    EXPECT_EQ(s.server.core.max_rooms, 5u);
    EXPECT_EQ(apply_config(s, "max-rooms = 0\n", "broker.conf"),
              "broker.conf:1: max-rooms must be from 1 to 1000000");
    EXPECT_EQ(apply_config(s, "max-rooms = 1000001\n", "broker.conf"),
              "broker.conf:1: max-rooms must be from 1 to 1000000");
}

TEST(BrokerOptions, ChecksBetweenOptionsNameThemAsTheUserWroteThem) {
    broker_settings s;
    // A MSG of 2000 bytes of text to the longest name takes 2298 bytes.
    s.server.core.max_text_bytes = 2000;
    s.server.max_frame_bytes = 2297;
    EXPECT_EQ(check_settings(s, "--"),
              "--max-frame-bytes must be from 2298 (a SAY or MSG of --max-text-bytes, and the "
              "longest other command) to 16777216");
    EXPECT_EQ(check_settings(s, ""),
              "max-frame-bytes must be from 2298 (a SAY or MSG of max-text-bytes, and the longest "
              "other command) to 16777216");
    s.server.max_frame_bytes = 2298;
    EXPECT_EQ(check_settings(s, "--"), std::nullopt);
    s.allow_path = "keys/";
    EXPECT_EQ(check_settings(s, "--"), "--allow needs --curve-secret");
    s.curve_secret_file = "broker.secret";
    s.server.core.rate_burst = 0;
    EXPECT_EQ(check_settings(s, ""), "burst must be at least 1 while there is a rate limit");
    s.server.core.rate_per_second = 0;
    EXPECT_EQ(check_settings(s, ""), std::nullopt);
}

} // namespace
} // namespace zchat::broker
