// How lines look on a colour terminal, that without colour they are exactly their text, and
// which lines -q and -v show where.
#include "client/look.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace zchat::client {
namespace {

TEST(Look, WithoutColourALineIsItsTextAlone) {
    const printed line{style::chat, "#ops [bob] hi alice", std::nullopt, "bob", true};
    EXPECT_EQ(styled(line, false), "#ops [bob] hi alice");
    EXPECT_EQ(styled({style::error, "! Not sent"}, false), "! Not sent");
}

TEST(Look, TheSpeakersNameTakesItsOwnColourAndTheRestItsStyles) {
    const std::string bob = "\033[" + std::to_string(name_colour("bob")) + "m";
    EXPECT_EQ(styled({style::chat, "[bob] hi", std::nullopt, "bob"}, true),
              "[" + bob + "bob\033[39m] hi\033[0m");
    EXPECT_EQ(styled({style::history, "~ * bob waves", std::nullopt, "bob"}, true),
              "\033[2m~ * " + bob + "bob\033[39m waves\033[0m");
    // The name, not the room before it, even when the room is called the same.
    EXPECT_EQ(styled({style::chat, "#bob [bob] hi", std::nullopt, "bob"}, true),
              "#bob [" + bob + "bob\033[39m] hi\033[0m");
    EXPECT_EQ(styled({style::chat, "*bob* psst", std::nullopt, "bob", true}, true),
              "\033[1m*" + bob + "bob\033[39m* psst\033[0m");
    EXPECT_EQ(styled({style::error, "! Not sent"}, true), "\033[31m! Not sent\033[0m");
    EXPECT_EQ(styled({style::chat, "plain"}, true), "plain");
}

TEST(Look, ALineThatMentionsYouIsBold) {
    const std::string bob = "\033[" + std::to_string(name_colour("bob")) + "m";
    EXPECT_EQ(styled({style::chat, "[bob] alice?", std::nullopt, "bob", true}, true),
              "\033[1m[" + bob + "bob\033[39m] alice?\033[0m");
}

TEST(Look, ANameKeepsItsColourAndNamesAreSpreadOverSeveral) {
    EXPECT_EQ(name_colour("alice"), name_colour("alice"));
    std::set<int> used;
    for (const char* name : {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"})
        used.insert(name_colour(name));
    EXPECT_GE(used.size(), 3u);
    for (const int c : used)
        EXPECT_TRUE(c != 31 && c != 32 && c != 36) << c; // the colours of errors, presence, notices
}

// -q leaves out who comes and goes; -v adds the connection's details; nothing else changes.
TEST(Look, QuietHidesPresenceAndVerboseAddsDetailsAlone) {
    const std::vector<style> always{style::chat, style::own, style::notice, style::error,
                                    style::history};
    for (const int verbosity : {-2, -1, 0, 1, 2}) {
        SCOPED_TRACE(verbosity);
        for (const style look : always)
            EXPECT_TRUE(shown_at(look, verbosity));
        EXPECT_EQ(shown_at(style::presence, verbosity), verbosity >= 0);
        EXPECT_EQ(shown_at(style::detail, verbosity), verbosity >= 1);
    }
}

TEST(Look, ErrorsAndDetailsGoToStderrEverythingElseToStdout) {
    for (const style look :
         {style::chat, style::own, style::presence, style::notice, style::history})
        EXPECT_FALSE(on_stderr(look));
    EXPECT_TRUE(on_stderr(style::error));
    EXPECT_TRUE(on_stderr(style::detail));
}

} // namespace
} // namespace zchat::client
