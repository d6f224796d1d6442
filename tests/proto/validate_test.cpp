// Content rules: which names, texts and room names the broker accepts, and the error it answers
// otherwise.
#include "proto/validate.hpp"

#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace zchat::proto {
namespace {

struct content_case {
    const char* what;
    std::string input;
    std::optional<error_code> expected; // nothing: accepted
};

std::optional<error_code> name_error(const std::string& name) {
    const auto bad = check_name(name, default_max_name_chars);
    return bad ? std::optional{bad->code} : std::nullopt;
}

std::optional<error_code> text_error(const std::string& text) {
    const auto bad = check_text(text, default_max_text_bytes);
    return bad ? std::optional{bad->code} : std::nullopt;
}

std::string repeat(std::string_view s, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i)
        out += s;
    return out;
}

// Malformed UTF-8 that every check must refuse: overlong, surrogate, truncated, stray, too large.
const std::vector<std::pair<const char*, std::string>> malformed_utf8{
    {"overlong slash C0 AF", "\xc0\xaf"},
    {"overlong slash E0 80 AF", "\xe0\x80\xaf"},
    {"surrogate ED A0 80", "\xed\xa0\x80"},
    {"truncated E2 82", "\xe2\x82"},
    {"byte FF", "\xff"},
    {"past U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80"},
};

// ---- Names ----

TEST(CheckName, AcceptsOrdinaryNamesInOneScript) {
    const std::vector<std::string> good{
        "alice",
        "Bob_42",
        "a",
        "Zo\xc3\xab",                                               // Zoë
        "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9", // Дмитрий, all Cyrillic
        "\xd0\x94\xd0\xb8\xd0\xbc\xd0\xb0_2000",                    // Дима_2000
        "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7",                 // Ελένη, all Greek
        "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d",                     // 李小龍
        "alice\xe6\x9d\x8e",                                        // Latin with Han
        "Yous",
        "server2",
        "\xf0\x9f\x91\x8b", // 👋
    };
    for (const std::string& name : good)
        EXPECT_EQ(name_error(name), std::nullopt) << name;
}

TEST(CheckName, CountsCodePointsNotBytesAgainstTheLimit) {
    const std::string e_acute = "\xc3\xa9";
    EXPECT_EQ(name_error(std::string(32, 'a')), std::nullopt);
    EXPECT_EQ(name_error(std::string(33, 'a')), error_code::too_long);
    EXPECT_EQ(name_error(repeat(e_acute, 32)), std::nullopt); // 64 bytes, 32 code points
    EXPECT_EQ(name_error(repeat(e_acute, 33)), error_code::too_long);
    EXPECT_EQ(name_error(repeat("\xf0\x9f\x91\x8b", 32)), std::nullopt); // 128 bytes
}

TEST(CheckName, RefusesEachBadNameWithItsCode) {
    const std::vector<content_case> cases{
        {"empty", "", error_code::name_invalid},
        {"a space", "al ice", error_code::name_invalid},
        {"a leading space", " alice", error_code::name_invalid},
        {"a no-break space U+00A0", "al\xc2\xa0ice", error_code::name_invalid},
        {"an ideographic space U+3000", "al\xe3\x80\x80ice", error_code::name_invalid},
        {"a line separator U+2028", "al\xe2\x80\xa8ice", error_code::name_invalid},
        {"a tab", "al\tice", error_code::control_char},
        {"NUL", std::string("al\0ice", 6), error_code::control_char},
        {"ESC", "al\x1b[31mice", error_code::control_char},
        {"DEL", "al\x7fice", error_code::control_char},
        {"LF", "alice\n", error_code::control_char},
        {"C1 CSI U+009B", "al\xc2\x9bice", error_code::control_char},
        {"zero-width space U+200B", "al\xe2\x80\x8bice", error_code::name_invalid},
        {"byte order mark U+FEFF",
         "\xef\xbb\xbf"
         "alice",
         error_code::name_invalid},
        {"right-to-left override U+202E", "al\xe2\x80\xaeice", error_code::name_invalid},
        {"left-to-right isolate U+2066", "al\xe2\x81\xa6ice", error_code::name_invalid},
        {"soft hyphen U+00AD",
         "al\xc2\xad"
         "ice",
         error_code::name_invalid},
        {"zero-width joiner U+200D", "al\xe2\x80\x8dice", error_code::name_invalid},
        {"Mongolian variation selector U+180F", "al\xe1\xa0\x8fice", error_code::name_invalid},
        {"musical begin beam U+1D173", "al\xf0\x9d\x85\xb3ice", error_code::name_invalid},
        {"shorthand format U+1BCA0", "al\xf0\x9b\xb2\xa0ice", error_code::name_invalid},
        {"tag character U+E0041", "al\xf3\xa0\x81\x81ice", error_code::name_invalid},
        {"Hangul filler U+3164", "\xe3\x85\xa4", error_code::name_invalid},
        {"private use U+E000", "al\xee\x80\x80ice", error_code::name_invalid},
        {"private use U+F0000", "al\xf3\xb0\x80\x80ice", error_code::name_invalid},
        {"noncharacter U+FFFF", "al\xef\xbf\xbfice", error_code::name_invalid},
        {"noncharacter U+FDD0", "al\xef\xb7\x90ice", error_code::name_invalid},
        {"noncharacter U+1FFFE", "al\xf0\x9f\xbf\xbeice", error_code::name_invalid},
        {"replacement character U+FFFD", "al\xef\xbf\xbdice", error_code::name_invalid},
        {"Cyrillic o among Latin letters",
         "b\xd0\xbe"
         "b",
         error_code::name_invalid},
        {"Greek omicron among Latin letters",
         "b\xce\xbf"
         "b",
         error_code::name_invalid},
        {"Latin a among Cyrillic letters",
         "\xd0\x94\xd0\xb8\xd0\xbc"
         "a",
         error_code::name_invalid},
        {"reserved You", "You", error_code::name_invalid},
        {"reserved YOU", "YOU", error_code::name_invalid},
        {"reserved you", "you", error_code::name_invalid},
        {"reserved server", "server", error_code::name_invalid},
        {"reserved SERVER", "SERVER", error_code::name_invalid},
    };
    for (const content_case& c : cases)
        EXPECT_EQ(name_error(c.input), c.expected) << c.what;
}

TEST(CheckName, RefusesMalformedUtf8AsBadUtf8) {
    for (const auto& [what, bytes] : malformed_utf8) {
        EXPECT_EQ(name_error(bytes), error_code::bad_utf8) << what;
        EXPECT_EQ(name_error("bob" + bytes), error_code::bad_utf8) << what;
    }
}

TEST(CheckName, ChecksUtf8FirstThenEachCharacterThenLengthThenReservedNames) {
    // Malformed UTF-8 wins over an earlier control character.
    EXPECT_EQ(name_error("\x1b\xff"), error_code::bad_utf8);
    // The first offending character decides between a control and a space.
    EXPECT_EQ(name_error("a b\tc"), error_code::name_invalid);
    EXPECT_EQ(name_error("a\tb c"), error_code::control_char);
    // A character rule wins over the length.
    EXPECT_EQ(name_error(std::string(40, 'a') + " "), error_code::name_invalid);
    // The length is checked before the reserved names.
    ASSERT_TRUE(check_name("server", 3));
    EXPECT_EQ(check_name("server", 3)->code, error_code::too_long);
}

TEST(CheckName, UsesTheLimitItIsGiven) {
    EXPECT_FALSE(check_name("abcd", 4));
    ASSERT_TRUE(check_name("abcde", 4));
    EXPECT_EQ(check_name("abcde", 4)->code, error_code::too_long);
    EXPECT_EQ(check_name("abcde", 4)->reason, "name is longer than 4 characters");
}

TEST(FoldName, LowersAsciiLettersOnly) {
    EXPECT_EQ(fold_name("Bob"), "bob");
    EXPECT_EQ(fold_name("ALICE_42"), "alice_42");
    EXPECT_EQ(fold_name("bob"), fold_name("BOB"));
    EXPECT_EQ(fold_name("ZO\xc3\x8b"), "zo\xc3\x8b");            // ZOË: Ë stays
    EXPECT_NE(fold_name("ZO\xc3\x8b"), fold_name("zo\xc3\xab")); // so ZOË and zoë differ
    EXPECT_EQ(fold_name("\xd0\x94\xd0\x98\xd0\x9c\xd0\x90"), "\xd0\x94\xd0\x98\xd0\x9c\xd0\x90");
    EXPECT_EQ(fold_name(""), "");
}

// ---- Rooms ----

std::optional<error_code> room_error(const std::string& room) {
    const auto bad = check_room(room);
    return bad ? std::optional{bad->code} : std::nullopt;
}

TEST(CheckRoom, AcceptsOneTo32BytesOfLowerCaseLettersDigitsDashAndUnderscore) {
    const std::vector<std::string> good{
        "lobby",
        "a",
        "0",
        "-",
        "_",
        "ops",
        "dev-ops_2",
        "2024",
        std::string(32, 'z'),
        "abcdefghijklmnopqrstuvwxyz-_0123",
        "0123456789",
    };
    for (const std::string& room : good)
        EXPECT_EQ(room_error(room), std::nullopt) << room;
    EXPECT_EQ(room_error(std::string{default_room}), std::nullopt);
    EXPECT_EQ(room_error(std::string(max_room_bytes, 'a')), std::nullopt);
}

TEST(CheckRoom, RefusesEveryOtherNameAsRoomInvalid) {
    const std::vector<content_case> cases{
        {"empty", "", error_code::room_invalid},
        {"33 bytes", std::string(33, 'a'), error_code::room_invalid},
        {"33 bytes of every allowed kind", "abcdefghijklmnopqrstuvwxyz-_01234",
         error_code::room_invalid},
        {"upper case", "Lobby", error_code::room_invalid},
        {"all upper case", "OPS", error_code::room_invalid},
        {"with its '#'", "#lobby", error_code::room_invalid},
        {"only '#'", "#", error_code::room_invalid},
        {"a space", "my room", error_code::room_invalid},
        {"a leading space", " lobby", error_code::room_invalid},
        {"a trailing space", "lobby ", error_code::room_invalid},
        {"a TAB", "lob\tby", error_code::room_invalid},
        {"a slash", "ops/x", error_code::room_invalid},
        {"a trailing slash", "ops/", error_code::room_invalid},
        {"a dot", "a.b", error_code::room_invalid},
        {"a NUL", std::string("ops\0", 4), error_code::room_invalid},
        {"a newline", "ops\n", error_code::room_invalid},
        {"UTF-8 e acute", "caf\xc3\xa9", error_code::room_invalid},
        {"UTF-8 Cyrillic o",
         "l\xd0\xbe"
         "bby",
         error_code::room_invalid},
        {"an emoji", "\xf0\x9f\x91\x8b", error_code::room_invalid},
        {"malformed UTF-8", "\xff", error_code::room_invalid},
        {"a DEL", "ops\x7f", error_code::room_invalid},
        {"a '*' wildcard", "*", error_code::room_invalid},
    };
    for (const content_case& c : cases)
        EXPECT_EQ(room_error(c.input), c.expected) << c.what;
}

TEST(CheckRoom, CountsBytesAndSaysWhatARoomNameIs) {
    // 16 two-byte characters are 32 bytes: still refused, for the characters.
    EXPECT_EQ(room_error(repeat("\xc3\xa9", 16)), error_code::room_invalid);
    const auto bad = check_room("Ops");
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->reason, "a room name is 1 to 32 characters of a-z, 0-9, '-' and '_'");
    EXPECT_EQ(check_room(""), bad);
    EXPECT_EQ(check_room(std::string(33, 'a')), bad);
}

// ---- Text ----

TEST(CheckText, AcceptsOneTo4096BytesOfUtf8) {
    EXPECT_EQ(text_error("a"), std::nullopt);
    EXPECT_EQ(text_error(std::string(4096, 'a')), std::nullopt);
    EXPECT_EQ(text_error(repeat("\xc3\xa9", 2048)), std::nullopt);
    EXPECT_EQ(text_error("Hello, w\xc3\xb6rld \xf0\x9f\x91\x8b"), std::nullopt);
}

TEST(CheckText, RefusesEmptyAndOverlongText) {
    EXPECT_EQ(text_error(""), error_code::empty_text);
    EXPECT_EQ(text_error(std::string(4097, 'a')), error_code::too_long);
    EXPECT_EQ(text_error(std::string(4095, 'a') + "\xc3\xa9"), error_code::too_long);
    // The length is checked before the content.
    EXPECT_EQ(text_error(std::string(4097, '\xff')), error_code::too_long);
    EXPECT_EQ(check_text(std::string(4097, 'a'), 4096)->reason, "text is longer than 4096 bytes");
}

TEST(CheckText, AllowsTabButNoOtherControlCharacter) {
    const std::vector<content_case> cases{
        {"TAB", "score:\t42", std::nullopt},
        {"only a TAB", "\t", std::nullopt},
        {"LF", "hi\n[bob] fake", error_code::control_char},
        {"CR", "hi\rbye", error_code::control_char},
        {"ESC", "\x1b[2J", error_code::control_char},
        {"OSC 52", "\x1b]52;c;aGk=\x07", error_code::control_char},
        {"NUL", std::string("a\0b", 3), error_code::control_char},
        {"U+0001", "a\x01", error_code::control_char},
        {"U+001F", "a\x1f", error_code::control_char},
        {"DEL", "a\x7f", error_code::control_char},
        {"C1 NEL U+0085", "a\xc2\x85", error_code::control_char},
        {"C1 CSI U+009B",
         "\xc2\x9b"
         "2J",
         error_code::control_char},
    };
    for (const content_case& c : cases)
        EXPECT_EQ(text_error(c.input), c.expected) << c.what;
}

TEST(CheckText, AllowsWhatPrintersEscapeButNamesRefuse) {
    const std::vector<std::string> allowed{
        "a\xef\xbf\xbf", // noncharacter U+FFFF
        "a\xef\xb7\x90", // noncharacter U+FDD0
        "\xe2\x80\xae"
        "abc", // right-to-left override U+202E
        "\xe2\x81\xa6"
        "abc",                   // left-to-right isolate U+2066
        "zero\xe2\x80\x8bwidth", // U+200B
        "\xef\xbb\xbf"
        "bom",          // U+FEFF
        "\xee\x80\x80", // private use U+E000
        "a b",          // spaces
        "\xef\xbf\xbd", // U+FFFD itself
    };
    for (const std::string& text : allowed)
        EXPECT_EQ(text_error(text), std::nullopt) << text;
}

TEST(CheckText, RefusesMalformedUtf8AsBadUtf8) {
    for (const auto& [what, bytes] : malformed_utf8) {
        EXPECT_EQ(text_error(bytes), error_code::bad_utf8) << what;
        EXPECT_EQ(text_error("ok " + bytes + " ok"), error_code::bad_utf8) << what;
    }
    // The first offence in byte order decides.
    EXPECT_EQ(text_error("\x1b\xff"), error_code::control_char);
    EXPECT_EQ(text_error("\xff\x1b"), error_code::bad_utf8);
}

// ---- UTF-8 ----

TEST(ValidUtf8, AcceptsEveryBoundaryOfEachEncodingLength) {
    const std::vector<std::string> good{
        "",
        std::string("\0", 1),
        "\x7f",             // U+007F
        "\xc2\x80",         // U+0080
        "\xdf\xbf",         // U+07FF
        "\xe0\xa0\x80",     // U+0800
        "\xed\x9f\xbf",     // U+D7FF
        "\xee\x80\x80",     // U+E000
        "\xef\xbf\xbf",     // U+FFFF
        "\xf0\x90\x80\x80", // U+10000
        "\xf4\x8f\xbf\xbf", // U+10FFFF
    };
    for (const std::string& s : good)
        EXPECT_TRUE(valid_utf8(s)) << testing::PrintToString(s);
}

TEST(ValidUtf8, RefusesOverlongSurrogateOutOfRangeTruncatedAndStrayBytes) {
    std::vector<std::string> bad{
        "\xc1\xbf",         // overlong U+007F
        "\xf0\x8f\xbf\xbf", // overlong U+FFFF
        "\xed\xbf\xbf",     // surrogate U+DFFF
        "\xf5\x80\x80\x80", // lead byte past U+10FFFF
        "\x80",             // lone continuation byte
        "\xbf",             // lone continuation byte
        "\xc3",             // truncated at the end
        "\xf0\x9f\x91",     // truncated at the end
        "\xc3"
        "a", // continuation replaced by ASCII
        "\xfe",
        "\xf8\x88\x80\x80\x80", // five-byte form
    };
    for (const auto& [what, bytes] : malformed_utf8)
        bad.push_back(bytes);
    for (const std::string& s : bad)
        EXPECT_FALSE(valid_utf8(s)) << testing::PrintToString(s);
}

} // namespace
} // namespace zchat::proto
