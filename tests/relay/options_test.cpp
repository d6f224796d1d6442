// The relay's option table and config file, without starting a relay: every option reads back
// its own default, a config file sets what it names and says where it is wrong, and the checks
// between options name the options in the form the user wrote them.
#include "relay/options.hpp"

#include <gtest/gtest.h>

#include <set>

namespace zchat::relay {
namespace {

std::optional<std::string> apply(relay_settings& s, const std::string& text) {
    return runtime::apply_config(s, relay_option_table(), text, "relay.conf");
}

TEST(RelayOptions, EveryOptionAcceptsItsOwnDefaultAndNamesAreUnique) {
    const relay_settings defaults;
    std::set<std::string_view> names;
    for (const option_spec& o : relay_option_table()) {
        SCOPED_TRACE(o.name);
        EXPECT_TRUE(names.insert(o.name).second);
        const std::string shown = o.default_text(defaults);
        if (shown.empty())
            continue; // no default: an endpoint to bind, a file name
        relay_settings s;
        EXPECT_EQ(o.set(s, shown), std::nullopt);
        EXPECT_EQ(o.default_text(s), shown);
    }
}

TEST(RelayOptions, AConfigFileSetsWhatItNames) {
    relay_settings s;
    EXPECT_EQ(apply(s, "# upstream\n"
                       "router = tcp://broker:5555\n"
                       "sub = tcp://broker:5556\n"
                       "bind-router = tcp://*:5555\n"
                       "bind-pub = tcp://*:5556\n"
                       "stats-interval = 0.5\n"
                       "max-frame-bytes = 4096\n"),
              std::nullopt);
    EXPECT_EQ(s.relay.upstream_router, "tcp://broker:5555");
    EXPECT_EQ(s.relay.upstream_sub, "tcp://broker:5556");
    EXPECT_EQ(s.relay.bind_router, "tcp://*:5555");
    EXPECT_EQ(s.relay.bind_pub, "tcp://*:5556");
    EXPECT_EQ(s.relay.stats_interval, std::chrono::milliseconds(500));
    EXPECT_EQ(s.relay.max_frame_bytes, 4096);
    EXPECT_EQ(check_settings(s, ""), std::nullopt);
}

TEST(RelayOptions, AConfigFileSaysWhereAndWhatIsWrong) {
    const auto error = [](const std::string& text) {
        relay_settings s;
        return apply(s, text).value_or("(no error)");
    };
    EXPECT_EQ(error("router = tcp://b:1\nbind = tcp://*:1\n"),
              "relay.conf:2: unknown setting 'bind'");
    // The first wrong line is the one named, with its own reason.
    EXPECT_EQ(error("bogus = 1\n\n\nstats-interval = abc\n"),
              "relay.conf:1: unknown setting 'bogus'");
    EXPECT_EQ(error("max-frame-bytes = 100\n"),
              "relay.conf:1: max-frame-bytes must be from 1024 to 16777216");
    EXPECT_EQ(error("stats-interval = soon\n"),
              "relay.conf:1: stats-interval must be from 0.01 to 86400");
    EXPECT_EQ(error("[relay]\nrouter = tcp://b:1\n"),
              "relay.conf:2: sections are not used; put every setting at the top level");
}

TEST(RelayOptions, BothEndpointsBelowAreNeededAndTheCurveOptionsGoTogether) {
    relay_settings s;
    EXPECT_EQ(check_settings(s, "--"),
              "give the endpoints to bind below: --bind-router EP --bind-pub EP");
    s.relay.bind_router = s.relay.bind_pub = "tcp://*:1";
    EXPECT_EQ(check_settings(s, "--"), std::nullopt);
    s.allow_path = "allowed.txt";
    EXPECT_EQ(check_settings(s, ""), "curve-secret, curve-server-key and allow go together");
    s.curve_secret_file = "relay.secret";
    s.curve_server_key_file = "broker.pub";
    EXPECT_EQ(check_settings(s, ""), std::nullopt);
}

} // namespace
} // namespace zchat::relay
