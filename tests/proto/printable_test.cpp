// printable(): what a terminal may safely be shown of untrusted text.
#include "proto/printable.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zchat::proto {
namespace {

const std::string replacement = "\xef\xbf\xbd"; // U+FFFD

struct print_case {
    const char* what;
    std::string input;
    std::string expected;
};

TEST(Printable, LeavesPlainUtf8Unchanged) {
    for (const std::string s : {"", "Hello, world",
                                "Gr\xc3\xbc\xc3\x9f"
                                "e aus K\xc3\xb6ln",
                                "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9",
                                "\xf0\x9f\x91\x8b", "\xee\x80\x80", "\xef\xbf\xbd"})
        EXPECT_EQ(printable(s), s);
}

TEST(Printable, TurnsTabIntoASpace) {
    EXPECT_EQ(printable("score:\t42"), "score: 42");
}

TEST(Printable, EscapesEverythingThatCouldMoveTheCursorOrRestyleTheTerminal) {
    const std::vector<print_case> cases{
        {"ESC", "\x1b", "\\u{1B}"},
        {"CSI clear screen", "\x1b[2J", "\\u{1B}[2J"},
        {"OSC 0 title", "\x1b]0;t\x07", "\\u{1B}]0;t\\u{7}"},
        {"OSC 52 clipboard", "\x1b]52;c;aGk=\x07", "\\u{1B}]52;c;aGk=\\u{7}"},
        {"bracketed paste end", "\x1b[201~", "\\u{1B}[201~"},
        {"8-bit CSI U+009B",
         "\xc2\x9b"
         "2J",
         "\\u{9B}2J"},
        {"C1 NEL U+0085",
         "a\xc2\x85"
         "b",
         "a\\u{85}b"},
        {"NUL", std::string("a\0b", 3), "a\\u{0}b"},
        {"LF forging a line", "hi\n[bob] fake", "hi\\u{A}[bob] fake"},
        {"CR overwriting a line", "hi\rbye", "hi\\u{D}bye"},
        {"DEL", "a\x7f", "a\\u{7F}"},
    };
    for (const print_case& c : cases)
        EXPECT_EQ(printable(c.input), c.expected) << c.what;
}

TEST(Printable, EscapesBidiZeroWidthAndNoncharacters) {
    const std::vector<print_case> cases{
        {"right-to-left override U+202E",
         "abc\xe2\x80\xae"
         "def",
         "abc\\u{202E}def"},
        {"left-to-right isolate U+2066",
         "\xe2\x81\xa6"
         "x",
         "\\u{2066}x"},
        {"pop directional isolate U+2069", "x\xe2\x81\xa9", "x\\u{2069}"},
        {"Arabic letter mark U+061C", "\xd8\x9c", "\\u{61C}"},
        {"zero-width space U+200B",
         "a\xe2\x80\x8b"
         "b",
         "a\\u{200B}b"},
        {"zero-width joiner U+200D",
         "a\xe2\x80\x8d"
         "b",
         "a\\u{200D}b"},
        {"byte order mark U+FEFF",
         "\xef\xbb\xbf"
         "a",
         "\\u{FEFF}a"},
        {"musical begin beam U+1D173", "\xf0\x9d\x85\xb3", "\\u{1D173}"},
        {"noncharacter U+FFFF", "\xef\xbf\xbf", "\\u{FFFF}"},
        {"noncharacter U+FDD0", "\xef\xb7\x90", "\\u{FDD0}"},
        {"noncharacter U+10FFFF", "\xf4\x8f\xbf\xbf", "\\u{10FFFF}"},
    };
    for (const print_case& c : cases)
        EXPECT_EQ(printable(c.input), c.expected) << c.what;
}

TEST(Printable, ReplacesEachMalformedByteWithOneReplacementCharacter) {
    const std::vector<print_case> cases{
        {"FF",
         "a\xff"
         "b",
         "a" + replacement + "b"},
        {"overlong C0 AF", "\xc0\xaf", replacement + replacement},
        {"surrogate ED A0 80", "\xed\xa0\x80", replacement + replacement + replacement},
        {"truncated E2 82", "x\xe2\x82", "x" + replacement + replacement},
        {"past U+10FFFF", "\xf4\x90\x80\x80",
         replacement + replacement + replacement + replacement},
        {"truncated before ASCII",
         "\xc3"
         "a",
         replacement + "a"},
    };
    for (const print_case& c : cases)
        EXPECT_EQ(printable(c.input), c.expected) << c.what;
}

TEST(Printable, NeverLetsAControlByteThrough) {
    std::string all;
    for (int b = 0; b < 256; ++b)
        all.push_back(static_cast<char>(b));
    const std::string out = printable(all);
    for (const char c : out) {
        const auto b = static_cast<unsigned char>(c);
        EXPECT_FALSE(b < 0x20 || b == 0x7f) << "byte " << static_cast<int>(b);
    }
    EXPECT_EQ(out.find("\xc2\x80"), std::string::npos);
    EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
}

// Emoji sequences are one picture each: a zero-width joiner between two pictographic
// characters, variation selectors and tag characters stay inside them. The same invisible
// characters anywhere else are escaped, as bidi controls always are (CVE-2021-42574).
TEST(Printable, KeepsEmojiSequencesWholeAndEscapesTheirPartsElsewhere) {
    const std::string technologist = "\U0001F469\u200D\U0001F4BB"; // woman, ZWJ, laptop
    const std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
    const std::string red_heart = "\u2764\uFE0F"; // heart, VS16
    const std::string scotland = "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074"
                                 "\U000E007F"; // black flag, tags g b s c t, cancel tag
    const std::string thumbs_dark = "\U0001F44D\U0001F3FF"; // skin tone modifier
    const std::string toned_technologist = "\U0001F469\U0001F3FD\u200D\U0001F4BB";
    for (const std::string& emoji :
         {technologist, family, red_heart, scotland, thumbs_dark, toned_technologist})
        EXPECT_EQ(printable("hi " + emoji + "!"), "hi " + emoji + "!");
    const std::vector<print_case> cases{
        {"ZWJ between letters", "a\u200Db", "a\\u{200D}b"},
        {"ZWJ after an emoji, before a letter", "\U0001F469\u200Da", "\U0001F469\\u{200D}a"},
        {"ZWJ ending the text", "\U0001F469\u200D", "\U0001F469\\u{200D}"},
        {"ZWJ starting the text", "\u200D\U0001F4BB", "\\u{200D}\U0001F4BB"},
        {"variation selector after a letter", "a\uFE0F", "a\\u{FE0F}"},
        {"bidi override inside an emoji sequence", "\U0001F469\u202E\U0001F4BB",
         "\U0001F469\\u{202E}\U0001F4BB"},
        {"zero-width space after an emoji", "\U0001F469\u200B", "\U0001F469\\u{200B}"},
        {"an unassigned code point", "\U0003FFFD", "\\u{3FFFD}"},
        {"tags hiding text after a thumbs-up", "\U0001F44D\U000E0068\U000E0069",
         "\U0001F44D\\u{E0068}\\u{E0069}"},
        {"a second variation selector", "\u2764\uFE0F\uFE0F", "\u2764\uFE0F\\u{FE0F}"},
    };
    for (const print_case& c : cases)
        EXPECT_EQ(printable(c.input), c.expected) << c.what;
    std::string flag = "\U0001F3F4";
    std::string long_flag = flag;
    for (int i = 0; i < 9; ++i)
        long_flag += "\U000E0061";
    EXPECT_EQ(printable(long_flag), flag + "\U000E0061\U000E0061\U000E0061\U000E0061\U000E0061"
                                           "\U000E0061\U000E0061\U000E0061\\u{E0061}");
    const std::string keycap = "#\uFE0F\u20E3";
    EXPECT_EQ(printable(keycap), keycap);
}

TEST(Printable, CombiningMarksAndCjkAreShownAsTheyAre) {
    for (const std::string s : {"e\u0301", "\u6F22\u5B57", "\uD55C\uAD6D\uC5B4"})
        EXPECT_EQ(printable(s), s);
}

TEST(DisplayWidth, CountsTheColumnsATerminalGives) {
    EXPECT_EQ(display_width(""), 0u);
    EXPECT_EQ(display_width("[bob] hi"), 8u);
    EXPECT_EQ(display_width("\u6F22\u5B57"), 4u); // wide
    EXPECT_EQ(display_width("e\u0301"), 1u);      // combining acute: no column
    EXPECT_EQ(display_width("\U0001F44B"), 2u);   // emoji
    EXPECT_EQ(display_width("\\u{1B}"), 6u);      // an escape is its visible characters
}

TEST(FirstColumns, CutsBetweenCharactersByTheirWidth) {
    EXPECT_EQ(first_columns("hello", 3), "hel");
    EXPECT_EQ(first_columns("hello", 10), "hello");
    EXPECT_EQ(first_columns("\u6F22\u5B57x", 3), "\u6F22"); // two columns each
    EXPECT_EQ(first_columns("e\u0301e", 1), "e\u0301");     // the accent takes none
    EXPECT_EQ(first_columns("", 5), "");
}

} // namespace
} // namespace zchat::proto
