// The messages between the terminal thread and the receive thread: each kind survives its
// encoding with everything it carries, and a frame that is not one of ours decodes to nothing.
#include "client/pipe_message.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace zchat::client {
namespace {

TEST(PipeMessage, EveryKindRoundTripsWithWhatItCarries) {
    const std::vector<pipe_message> all{
        pipe_message::say("hello \xE2\x9C\x93 world"),
        pipe_message::say(""),
        pipe_message::say("numbered", 4294967295),
        pipe_message::act("waves", 7),
        pipe_message::msg("bob", "psst", 8),
        pipe_message::settled(8),
        pipe_message::who(),
        pipe_message::who("ops"),
        pipe_message::join("ops"),
        pipe_message::part(),
        pipe_message::part("ops"),
        pipe_message::rooms(),
        pipe_message::msg("bob", "just  between us"),
        pipe_message::msg(std::string(256, 'n'), ""),
        pipe_message::act("waves"),
        pipe_message::quit(),
        pipe_message::eof(),
        pipe_message::print({style::error, "! Not sent: text is empty"}),
        pipe_message::print({style::chat, std::string("a\0b", 3)}),
        pipe_message::print({style::history, "~ [bob] hi", std::chrono::milliseconds{0}}),
        pipe_message::print({style::detail, "* Connecting to tcp://broker:5555"}),
        pipe_message::print({style::chat, "[bob] hi", std::chrono::milliseconds{4294967295}}),
        pipe_message::status("reconnecting"),
        pipe_message::status(""),
        pipe_message::done(0),
        pipe_message::done(255),
    };
    for (const pipe_message& m : all) {
        SCOPED_TRACE(static_cast<int>(m.kind));
        EXPECT_EQ(decode_pipe_message(encode(m)), m);
    }
}

TEST(PipeMessage, AFrameThatIsNotOursDecodesToNothing) {
    EXPECT_FALSE(decode_pipe_message(""));
    EXPECT_FALSE(decode_pipe_message("\x0d"));                              // no such kind
    EXPECT_FALSE(decode_pipe_message(std::string{'\x00', '\x00', '\x00'})); // say: id cut short
    EXPECT_FALSE(decode_pipe_message(std::string{'\x0c', '\x00', '\x00', '\x00'})); // settled too
    const std::string msg_id{'\x09', '\x00', '\x00', '\x00', '\x01'};
    EXPECT_FALSE(decode_pipe_message(msg_id + '\x00')); // msg without its name's length
    EXPECT_FALSE(decode_pipe_message(msg_id + std::string{'\x00', '\x05', 'b'})); // name cut short
    EXPECT_FALSE(decode_pipe_message(std::string(1, 4)));           // print without its style
    EXPECT_FALSE(decode_pipe_message(std::string{'\x04', '\x09'})); // no such style
    EXPECT_FALSE(decode_pipe_message(std::string{'\x04', '\x00'})); // print without its age flag
    EXPECT_FALSE(decode_pipe_message(std::string{'\x04', '\x00', '\x02'}));         // no such flag
    EXPECT_FALSE(decode_pipe_message(std::string{'\x04', '\x00', '\x01', '\x00'})); // age cut short
    EXPECT_FALSE(decode_pipe_message(std::string(1, 5)));        // done without its code
    EXPECT_FALSE(decode_pipe_message(std::string{'\x08', 'x'})); // rooms carries nothing
    EXPECT_FALSE(decode_pipe_message(std::string{'\x02', 'x'})); // nor does quit
}

} // namespace
} // namespace zchat::client
