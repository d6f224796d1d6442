#include "client/input.hpp"

#include <gtest/gtest.h>

namespace zchat::client {
namespace {

TEST(ParseInput, PlainTextIsSentAsTyped) {
    EXPECT_EQ(parse_input("Hello world"), user_input{send_text{"Hello world"}});
}

TEST(ParseInput, KnownCommandsAreRecognised) {
    EXPECT_EQ(parse_input("/quit"), user_input{leave{}});
    EXPECT_EQ(parse_input("/who"), user_input{list_users{}});
    EXPECT_EQ(parse_input("/help"), user_input{show_help{}});
    EXPECT_EQ(parse_input("/rooms"), user_input{list_rooms{}});
    EXPECT_EQ(parse_input("/part"), user_input{part_room{}});
}

TEST(ParseInput, RoomCommandsTakeTheRoomWithOrWithoutItsHash) {
    EXPECT_EQ(parse_input("/join ops"), user_input{join_room{"ops"}});
    EXPECT_EQ(parse_input("/join #ops"), user_input{join_room{"ops"}});
    EXPECT_EQ(parse_input("/join \t #ops  "), user_input{join_room{"ops"}});
    EXPECT_EQ(parse_input("/part ops"), user_input{part_room{"ops"}});
    EXPECT_EQ(parse_input("/part #ops"), user_input{part_room{"ops"}});
    EXPECT_EQ(parse_input("/who ops"), user_input{list_users{"ops"}});
    EXPECT_EQ(parse_input("/who #ops"), user_input{list_users{"ops"}});
}

TEST(ParseInput, MsgTakesANameAndTheRestOfTheLineAsTyped) {
    EXPECT_EQ(parse_input("/msg bob hi"), (user_input{private_message{"bob", "hi"}}));
    EXPECT_EQ(parse_input("/msg \t bob   just  between us "),
              (user_input{private_message{"bob", "just  between us "}}));
    EXPECT_EQ(parse_input("/msg bob"), user_input{bad_usage{"! Usage: /msg NAME TEXT"}});
    EXPECT_EQ(parse_input("/msg"), user_input{bad_usage{"! Usage: /msg NAME TEXT"}});
}

TEST(ParseInput, MeTakesTheRestOfTheLineAsTyped) {
    EXPECT_EQ(parse_input("/me waves"), (user_input{send_action{"waves"}}));
    EXPECT_EQ(parse_input("/me  \t waves  at  bob "), (user_input{send_action{"waves  at  bob "}}));
    EXPECT_EQ(parse_input("/me"), user_input{bad_usage{"! Usage: /me TEXT"}});
    EXPECT_EQ(parse_input("/me   "), user_input{bad_usage{"! Usage: /me TEXT"}});
}

TEST(ParseInput, WhetherTheRoomIsARoomNameIsLeftToTheCaller) {
    EXPECT_EQ(parse_input("/join Ops!"), user_input{join_room{"Ops!"}});
    EXPECT_EQ(parse_input("/join ##ops"), user_input{join_room{"#ops"}});
}

TEST(ParseInput, AMissingOrExtraArgumentIsBadUsageNeverSent) {
    EXPECT_EQ(parse_input("/join"), user_input{bad_usage{"! Usage: /join ROOM"}});
    EXPECT_EQ(parse_input("/join   "), user_input{bad_usage{"! Usage: /join ROOM"}});
    EXPECT_EQ(parse_input("/join ops dev"), user_input{bad_usage{"! Usage: /join ROOM"}});
    EXPECT_EQ(parse_input("/part ops dev"), user_input{bad_usage{"! Usage: /part [ROOM]"}});
    EXPECT_EQ(parse_input("/who extra words"), user_input{bad_usage{"! Usage: /who [ROOM]"}});
    EXPECT_EQ(parse_input("/rooms ops"), user_input{bad_usage{"! Usage: /rooms"}});
}

TEST(ParseInput, UnknownCommandIsNotText) {
    EXPECT_EQ(parse_input("/quti"), user_input{unknown_command{"/quti"}});
    EXPECT_EQ(parse_input("/"), user_input{unknown_command{"/"}});
}

TEST(ParseInput, DoubleSlashSendsOneSlash) {
    EXPECT_EQ(parse_input("//quit"), user_input{send_text{"/quit"}});
    EXPECT_EQ(parse_input("//"), user_input{send_text{"/"}});
}

TEST(ParseInput, BlankLinesAreEmpty) {
    EXPECT_EQ(parse_input(""), user_input{empty_line{}});
    EXPECT_EQ(parse_input(" \t "), user_input{empty_line{}});
}

TEST(ParseInput, LeadingSpaceKeepsTextAsText) {
    EXPECT_EQ(parse_input(" /quit"), user_input{send_text{" /quit"}});
}

TEST(SplitPaste, EachLineEndEndsALineAndTheRestIsLeftForEditing) {
    EXPECT_EQ(split_paste("one\ntwo\r\nthree\rfour"),
              (pasted_lines{{"one", "two", "three"}, "four"}));
    EXPECT_EQ(split_paste("one\n"), (pasted_lines{{"one"}, ""}));
    EXPECT_EQ(split_paste("no line end"), (pasted_lines{{}, "no line end"}));
    EXPECT_EQ(split_paste(""), (pasted_lines{}));
}

TEST(SplitPaste, EmptyLinesAndTabsAreKept) {
    EXPECT_EQ(split_paste("a\n\n\tb\r\n\r\n"), (pasted_lines{{"a", "", "\tb", ""}, ""}));
    // CR then LF is one line end; LF then CR is two.
    EXPECT_EQ(split_paste("a\n\rb"), (pasted_lines{{"a", ""}, "b"}));
}

} // namespace
} // namespace zchat::client
