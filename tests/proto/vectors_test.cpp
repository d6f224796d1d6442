// The golden vectors in proto/test_vectors.txt: each valid vector decodes to the message stated
// here and that message encodes to exactly the vector's frames; each invalid command is refused
// with the code the file names. The file is the contract other implementations test against.
#include "proto/codec.hpp"

#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace zchat::proto {
namespace {

using test::epoch;
using test::error_of;
using test::secret;

struct vector_block {
    std::string name;
    std::string kind;       // command, reply, event, batch, or invalid-command/-reply/-event
    std::string error_name; // for the invalid kinds: the E_ name expected
    frame_list frames;
    int line = 0;
};

// A frame line's bytes: hexadecimal, with single spaces between groups of bytes for reading.
std::string from_hex(std::string hex, int line) {
    if (hex == "-")
        return {};
    std::erase(hex, ' ');
    std::string out;
    if (hex.size() % 2 != 0) {
        ADD_FAILURE() << "line " << line << ": odd number of hex digits";
        return out;
    }
    const auto digit = [&](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        ADD_FAILURE() << "line " << line << ": '" << c << "' is not a lowercase hex digit";
        return 0;
    };
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
    return out;
}

std::vector<vector_block> load_vectors() {
    std::ifstream in(ZCHAT_TEST_VECTORS);
    EXPECT_TRUE(in) << "cannot open " << ZCHAT_TEST_VECTORS;
    std::vector<vector_block> blocks;
    bool open = false;
    int number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.starts_with("#"))
            continue;
        if (line.empty()) {
            open = false;
            continue;
        }
        if (line.starts_with("name: ")) {
            blocks.push_back({line.substr(6), {}, {}, {}, number});
            open = true;
        } else if (!open) {
            ADD_FAILURE() << "line " << number << ": outside a block: " << line;
        } else if (line.starts_with("kind: ")) {
            const std::string kind = line.substr(6);
            const auto space = kind.find(' ');
            blocks.back().kind = kind.substr(0, space);
            if (space != std::string::npos)
                blocks.back().error_name = kind.substr(space + 1);
        } else if (blocks.back().kind.empty()) {
            ADD_FAILURE() << "line " << number << ": frame before the kind line";
        } else {
            blocks.back().frames.push_back(from_hex(line, number));
        }
    }
    return blocks;
}

const std::vector<vector_block>& vectors() {
    static const std::vector<vector_block> loaded = load_vectors();
    return loaded;
}

using message = std::variant<command, reply, event, std::vector<event>>;

// What each valid vector says, as the structs the codec works with.
const std::map<std::string, message>& expectations() {
    static const std::map<std::string, message> expected{
        {"hello_ascii_name", command{hello{"alice", std::nullopt}}},
        {"hello_utf8_name", command{hello{"Zo\xc3\xab", std::nullopt}}},
        {"hello_with_resume", command{hello{"alice", resume_ticket{7, secret}}}},
        {"ready", command{ready{secret, 41}}},
        {"say_ascii", command{say{secret, 1, "Hello, world"}}},
        {"say_utf8", command{say{secret, 2,
                                 "Gr\xc3\xbc\xc3\x9f"
                                 "e aus K\xc3\xb6ln \xf0\x9f\x91\x8b"}}},
        {"say_with_tab", command{say{secret, 3, "score:\t42"}}},
        {"who", command{who{secret}}},
        {"bye", command{bye{secret}}},
        {"ping", command{ping{secret, 44}}},

        {"welcome", reply{welcome{"alice", 7, secret, epoch, 41, 2, 1000, 3, 32, 4096, 20, 40}}},
        {"welcome_utf8_name",
         reply{welcome{"\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9", 8,
                       session_secret{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
                                      0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf},
                       epoch, 0, 0, 1000, 3, 32, 4096, 0, 0}}},
        {"error_name_taken",
         reply{error{error_code::name_taken, 0, "the name 'alice' is already in use"}}},
        {"error_version",
         reply{error{error_code::unsupported_version, 0,
                     "protocol version 3 is not supported; supported versions: 2"}}},
        {"error_for_say",
         reply{error{error_code::control_char, 5, "text contains a control character"}}},
        {"ack", reply{ack{1, 43, 1}}},
        {"ack_of_three", reply{ack{9, 57, 3}}},
        {"roster_empty", reply{roster{0, {}}}},
        {"roster_three_names", reply{roster{5, {"alice", "Bob", "Zo\xc3\xab"}}}},

        {"line_ascii", event{line{epoch, 43, "alice", 7, 1, "Hello, world"}}},
        {"line_utf8", event{line{epoch, 44, "Zo\xc3\xab", 9, 2,
                                 "Gr\xc3\xbc\xc3\x9f"
                                 "e aus K\xc3\xb6ln \xf0\x9f\x91\x8b"}}},
        {"line_with_tab", event{line{epoch, 45, "alice", 7, 3, "score:\t42"}}},
        {"join", event{joined{epoch, 42, "alice", 7, 3, 5}}},
        {"join_utf8_name",
         event{joined{epoch, 1, "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9", 8, 1,
                      1}}},
        {"leave_quit", event{left{epoch, 46, "alice", 7, 2, 6, leave_reason::quit}}},
        {"leave_timed_out", event{left{epoch, 47, "Bob", 10, 1, 7, leave_reason::timed_out}}},
        {"leave_server_shutdown",
         event{left{epoch, 48, "Zo\xc3\xab", 9, 0, 8, leave_reason::server_shutdown}}},
        {"heartbeat", event{heartbeat{epoch, 45, 3, 5, 1000}}},
        {"probe", event{probe{epoch, 41, 7}}},
        {"probe_large_session_id", event{probe{epoch, 41, 1234567890123}}},
        {"shutdown", event{shutdown{epoch, 48}}},
        {"leave_too_slow", event{left{epoch, 49, "carol", 11, 1, 9, leave_reason::too_slow}}},
        {"stats", event{stats{epoch,
                              48,
                              3723000,
                              3,
                              5,
                              48,
                              40,
                              5321,
                              98765,
                              2,
                              1,
                              0,
                              {{error_code::name_taken, 2}, {error_code::not_joined, 7}}}}},
        {"stats_nothing_rejected", event{stats{epoch, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {}}}},
        {"batch_of_two_lines", std::vector<event>{line{epoch, 50, "alice", 7, 4, "one"},
                                                  line{epoch, 51, "Bob", 10, 1, "two"}}},
    };
    return expected;
}

std::optional<error_code> code_named(const std::string& name) {
    for (std::uint16_t n = 1; n < 64; ++n) {
        if (error_name(static_cast<error_code>(n)) == name)
            return static_cast<error_code>(n);
    }
    return std::nullopt;
}

TEST(GoldenVectors, FileHasWellFormedBlocksWithUniqueNames) {
    ASSERT_FALSE(vectors().empty());
    std::set<std::string> names;
    for (const vector_block& v : vectors()) {
        SCOPED_TRACE(v.name);
        EXPECT_TRUE(names.insert(v.name).second) << "duplicate name at line " << v.line;
        const std::set<std::string> kinds{"command",      "reply",           "event",
                                          "batch",        "invalid-command", "invalid-reply",
                                          "invalid-event"};
        EXPECT_TRUE(kinds.contains(v.kind)) << "unknown kind '" << v.kind << "'";
        EXPECT_EQ(v.kind.starts_with("invalid-"), !v.error_name.empty());
    }
}

TEST(GoldenVectors, EveryValidVectorHasAnExpectationAndEveryExpectationAVector) {
    std::set<std::string> valid;
    for (const vector_block& v : vectors()) {
        if (!v.kind.starts_with("invalid-")) {
            valid.insert(v.name);
            EXPECT_TRUE(expectations().contains(v.name)) << v.name << " has no expectation";
        }
    }
    for (const auto& [name, m] : expectations())
        EXPECT_TRUE(valid.contains(name)) << name << " has no vector";
}

TEST(GoldenVectors, EveryValidVectorDecodesToItsExpectedMessage) {
    for (const vector_block& v : vectors()) {
        const auto it = expectations().find(v.name);
        if (v.kind.starts_with("invalid-") || it == expectations().end())
            continue;
        SCOPED_TRACE(v.name);
        if (v.kind == "command") {
            ASSERT_TRUE(std::holds_alternative<command>(it->second));
            EXPECT_EQ(test::decode_command_frames(v.frames),
                      decoded<command>{std::get<command>(it->second)});
        } else if (v.kind == "reply") {
            ASSERT_TRUE(std::holds_alternative<reply>(it->second));
            EXPECT_EQ(test::decode_reply_frames(v.frames),
                      decoded<reply>{std::get<reply>(it->second)});
        } else if (v.kind == "event") {
            ASSERT_TRUE(std::holds_alternative<event>(it->second));
            EXPECT_EQ(test::decode_event_frames(v.frames),
                      decoded<event>{std::get<event>(it->second)});
        } else {
            ASSERT_TRUE(std::holds_alternative<std::vector<event>>(it->second));
            EXPECT_EQ(decode_events(views(v.frames)),
                      decoded<std::vector<event>>{std::get<std::vector<event>>(it->second)});
        }
    }
}

TEST(GoldenVectors, EveryExpectedMessageEncodesToExactlyItsVectorFrames) {
    for (const vector_block& v : vectors()) {
        const auto it = expectations().find(v.name);
        if (it == expectations().end())
            continue;
        SCOPED_TRACE(v.name);
        std::visit(
            [&]<class M>(const M& m) {
                if constexpr (std::is_same_v<M, std::vector<event>>)
                    EXPECT_EQ(encode_batch(m), v.frames);
                else
                    EXPECT_EQ(encode(m), v.frames);
            },
            it->second);
    }
}

TEST(GoldenVectors, EveryInvalidCommandIsRefusedWithItsErrorCode) {
    int count = 0;
    for (const vector_block& v : vectors()) {
        if (v.kind != "invalid-command")
            continue;
        ++count;
        SCOPED_TRACE(v.name);
        const auto code = code_named(v.error_name);
        ASSERT_TRUE(code) << "unknown error name " << v.error_name;
        EXPECT_EQ(error_of(test::decode_command_frames(v.frames)), code);
    }
    EXPECT_GE(count, 9);
}

TEST(GoldenVectors, EveryInvalidReplyAndEventFailsToDecodeWithItsErrorCode) {
    int count = 0;
    for (const vector_block& v : vectors()) {
        if (v.kind != "invalid-reply" && v.kind != "invalid-event")
            continue;
        ++count;
        SCOPED_TRACE(v.name);
        const auto code = code_named(v.error_name);
        ASSERT_TRUE(code) << "unknown error name " << v.error_name;
        if (v.kind == "invalid-reply")
            EXPECT_EQ(error_of(test::decode_reply_frames(v.frames)), code);
        else
            EXPECT_EQ(error_of(decode_events(views(v.frames))), code);
    }
    EXPECT_GE(count, 6);
}

// The word of a vector's (first) message: a length byte and its letters, after the 6-byte header.
std::string first_word(const vector_block& v) {
    const std::string& body = v.frames.back();
    return body.substr(7, static_cast<std::uint8_t>(body.at(6)));
}

TEST(GoldenVectors, CoverEveryMessageTypeAndEveryDecodingError) {
    std::set<std::string> words;
    for (const vector_block& v : vectors()) {
        if (!v.kind.starts_with("invalid-"))
            words.insert(first_word(v));
    }
    EXPECT_EQ(words, (std::set<std::string>{"HELLO", "READY", "SAY", "WHO", "BYE", "PING",
                                            "WELCOME", "ERROR", "ACK", "ROSTER", "LINE", "JOIN",
                                            "LEAVE", "HEARTBEAT", "PROBE", "SHUTDOWN", "STATS"}));
    std::set<std::string> errors;
    for (const vector_block& v : vectors())
        errors.insert(v.error_name);
    for (const char* e :
         {"E_MALFORMED", "E_BAD_SIGNATURE", "E_VERSION", "E_UNKNOWN_COMMAND", "E_TOO_LONG"})
        EXPECT_TRUE(errors.contains(e)) << e;
}

} // namespace
} // namespace zchat::proto
