// The golden vectors in proto/test_vectors.txt: each valid vector decodes to the message stated
// here and that message encodes to exactly the vector's frames; each invalid command is refused
// with the code the file names. The file is the contract other implementations test against;
// scripts/gen-test-vectors writes it with an encoder of its own, so these tests are where the two
// implementations are compared.
#include "proto/codec.hpp"
#include "proto/envelope.hpp"
#include "proto/validate.hpp"

#include "tests/proto/support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace zchat::proto {
namespace {

using test::epoch;
using test::error_of;
using test::header_of;
using test::secret;

struct vector_block {
    std::string name;
    std::string kind;       // command, reply, event, batch, invalid-command/-reply/-event, or
                            // envelope-anyone/-client/-relay
    std::string error_name; // for the invalid kinds: the E_ name expected
    std::string routing;    // for the envelope kinds: "<N> [key] [<E_CODE>]"
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
            blocks.push_back({line.substr(6), {}, {}, {}, {}, number});
            open = true;
        } else if (!open) {
            ADD_FAILURE() << "line " << number << ": outside a block: " << line;
        } else if (line.starts_with("kind: ")) {
            const std::string kind = line.substr(6);
            const auto space = kind.find(' ');
            blocks.back().kind = kind.substr(0, space);
            const std::string rest = space == std::string::npos ? "" : kind.substr(space + 1);
            if (blocks.back().kind.starts_with("envelope-"))
                blocks.back().routing = rest;
            else
                blocks.back().error_name = rest;
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

// Values several vectors share.
const std::string greeting = "Gr\xc3\xbc\xc3\x9f"
                             "e aus K\xc3\xb6ln \xf0\x9f\x91\x8b"; // Grüße aus Köln 👋
const std::string dmitriy = "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9"; // Дмитрий
const std::string zoe = "Zo\xc3\xab";
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr session_secret other_secret{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                      0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

// What each valid vector says, as the structs the codec works with.
const std::map<std::string, message>& expectations() {
    static const std::map<std::string, message> expected{
        {"hello_ascii_name", command{hello{"alice", "lobby", std::nullopt}}},
        {"hello_utf8_name", command{hello{zoe, "lobby", std::nullopt}}},
        {"hello_other_room", command{hello{"alice", "dev_ops-2", std::nullopt}}},
        {"hello_longest_room",
         command{hello{"alice", "abcdefghijklmnopqrstuvwxyz-_0123", std::nullopt}}},
        {"hello_with_resume", command{hello{"alice", "lobby", resume_ticket{7, secret}}}},
        {"ready", command{ready{secret}}},
        {"say_ascii", command{say{secret, "lobby", 1, "Hello, world"}}},
        {"say_utf8", command{say{secret, "lobby", 2, greeting}}},
        {"say_with_tab", command{say{secret, "lobby", 3, "score:\t42"}}},
        {"say_other_room", command{say{secret, "ops", 4, "deploy done"}}},
        {"say_action", command{say{secret, "lobby", 5, "waves", line_kind::action}}},
        {"who", command{who{secret, "lobby"}}},
        {"who_other_room", command{who{secret, "ops"}}},
        {"join_room", command{join{secret, "ops"}}},
        {"part_room", command{part{secret, "ops"}}},
        {"list_rooms", command{list_rooms{secret}}},
        {"private_message", command{private_say{secret, "bob", 5, "just between us"}}},
        {"fetch", command{fetch{secret, "lobby", 24, 43}}},
        {"bye", command{bye{secret}}},
        {"ping_no_rooms", command{ping{secret, {}}}},
        {"ping_one_room", command{ping{secret, {{"lobby", 44}}}}},
        {"ping_two_rooms", command{ping{secret, {{"lobby", 2}, {"ops", 0}}}}},
        {"ping_three_rooms", command{ping{secret, {{"dev", 7}, {"lobby", 44}, {"ops", u64_max}}}}},

        {"welcome",
         reply{welcome{"alice", 7, secret, epoch, "lobby", 2, 1000, 3, 32, 4096, 20, 40, 32}}},
        {"welcome_utf8_name",
         reply{welcome{dmitriy, 8, other_secret, epoch, "ops", 0, 1000, 3, 32, 4096, 0, 0, 32}}},
        {"error_name_taken",
         reply{error{error_code::name_taken, 0, "the name 'alice' is already in use"}}},
        {"error_version",
         reply{error{error_code::unsupported_version, 0,
                     "protocol version 3 is not supported; supported versions: 2"}}},
        {"error_for_say",
         reply{error{error_code::control_char, 5, "text contains a control character"}}},
        {"error_room_invalid",
         reply{error{error_code::room_invalid, 0,
                     "a room name is 1 to 32 characters of a-z, 0-9, '-' and '_'"}}},
        {"error_not_in_room", reply{error{error_code::not_in_room, 6, "you are not in #ops"}}},
        {"error_too_many_rooms",
         reply{error{error_code::too_many_rooms, 0,
                     "you are in 32 rooms already, the most a session may be in"}}},
        {"ack", reply{ack{1, 43, 1}}},
        {"ack_of_three", reply{ack{9, 57, 3}}},
        {"roster_empty", reply{roster{"ops", 0, {}}}},
        {"roster_three_names", reply{roster{"lobby", 5, {"alice", "Bob", zoe}}}},
        {"room_entered", reply{room_entered{"lobby", 41, 5, 3}}},
        {"room_entered_new_room", reply{room_entered{"ops", 0, 1, 1}}},
        {"private_line", reply{private_line{"alice", 7, 5, "just between us"}}},
        {"history_two_lines",
         reply{history{"lobby",
                       40,
                       43,
                       0,
                       {{42, 61500, "alice", 7, 1, line_kind::text, "Hello, world"},
                        {43, 2000, "bob", 8, 5, line_kind::action, "waves"}}}}},
        {"history_none_kept", reply{history{"ops", 1, 9, 0, {}}}},
        {"history_more_follows",
         reply{history{"lobby", 1, 200, 1, {{1, 0, "alice", 7, 1, line_kind::text, "first"}}}}},
        {"error_bad_range",
         reply{error{error_code::bad_range, 0,
                     "FETCH 9..3 is no range: first must be at least 1 and at most last"}}},
        {"ack_of_msg", reply{ack{5, 0, 1}}},
        {"error_no_such_user",
         reply{error{error_code::no_such_user, 5, "no user named 'zed' is online"}}},
        {"room_list_empty", reply{room_list{}}},
        {"room_list_two_rooms", reply{room_list{{{"lobby", 3}, {"ops", 1}}}}},

        {"line_ascii", event{line{epoch, 43, "lobby", "alice", 7, 1, "Hello, world"}}},
        {"line_utf8", event{line{epoch, 44, "lobby", zoe, 9, 2, greeting}}},
        {"line_with_tab", event{line{epoch, 45, "lobby", "alice", 7, 3, "score:\t42"}}},
        {"line_other_room", event{line{epoch, 1, "ops", "alice", 7, 4, "deploy done"}}},
        {"line_action", event{line{epoch, 46, "lobby", "alice", 7, 5, "waves", line_kind::action}}},
        {"join", event{joined{epoch, 5, "lobby", "alice", 7, 3, 42}}},
        {"join_utf8_name", event{joined{epoch, 1, "ops", dmitriy, 8, 1, 0}}},
        {"leave_quit", event{left{epoch, 6, "lobby", "alice", 7, 2, leave_reason::quit}}},
        {"leave_timed_out", event{left{epoch, 7, "lobby", "Bob", 10, 1, leave_reason::timed_out}}},
        {"leave_server_shutdown",
         event{left{epoch, 8, "lobby", zoe, 9, 0, leave_reason::server_shutdown}}},
        {"leave_too_slow", event{left{epoch, 9, "lobby", "carol", 11, 1, leave_reason::too_slow}}},
        {"leave_parted", event{left{epoch, 2, "ops", "alice", 7, 0, leave_reason::parted}}},
        {"heartbeat", event{heartbeat{epoch, 3, 1000, {{"lobby", 45, 5}, {"ops", 1, 2}}}}},
        {"heartbeat_no_rooms", event{heartbeat{epoch, 0, 1000, {}}}},
        {"probe", event{probe{epoch, 7}}},
        {"probe_large_session_id", event{probe{epoch, 1234567890123}}},
        {"shutdown", event{shutdown{epoch}}},
        {"stats", event{stats{epoch,
                              3723000,
                              3,
                              5,
                              2,
                              48,
                              40,
                              5321,
                              98765,
                              2,
                              1,
                              0,
                              {{error_code::name_taken, 2},
                               {error_code::not_joined, 7},
                               {error_code::not_in_room, 1}}}}},
        {"stats_nothing_rejected", event{stats{epoch, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {}}}},
        {"relay", event{relay_stats{0x5EED0F2E1A7B3C4D, "tcp://10.0.0.7:5555", 60000, 120, 118, 117,
                                    4800, 4790, 3, 0, 125000, 480}}},
        {"batch_of_two_lines", std::vector<event>{line{epoch, 50, "lobby", "alice", 7, 4, "one"},
                                                  line{epoch, 51, "lobby", "Bob", 10, 1, "two"}}},
        {"batch_join_and_leave",
         std::vector<event>{joined{epoch, 3, "ops", "Bob", 10, 2, 1},
                            left{epoch, 4, "ops", "Bob", 10, 1, leave_reason::parted}}},
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
        const std::set<std::string> kinds{"command",       "reply",           "event",
                                          "batch",         "invalid-command", "invalid-reply",
                                          "invalid-event", "envelope-anyone", "envelope-client",
                                          "envelope-relay"};
        EXPECT_TRUE(kinds.contains(v.kind)) << "unknown kind '" << v.kind << "'";
        EXPECT_EQ(v.kind.starts_with("invalid-"), !v.error_name.empty());
    }
}

TEST(GoldenVectors, EveryValidVectorHasAnExpectationAndEveryExpectationAVector) {
    std::set<std::string> valid;
    for (const vector_block& v : vectors()) {
        if (!v.kind.starts_with("invalid-") && !v.kind.starts_with("envelope-")) {
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

TEST(GoldenVectors, EveryValidEventsHeadersAreItsKindEpochSeqAndRoom) {
    for (const auto& [name, m] : expectations()) {
        std::vector<event> events;
        if (const auto* e = std::get_if<event>(&m))
            events.push_back(*e);
        else if (const auto* batch = std::get_if<std::vector<event>>(&m))
            events = *batch;
        else
            continue;
        SCOPED_TRACE(name);
        const auto it =
            std::find_if(vectors().begin(), vectors().end(),
                         [&wanted = name](const vector_block& v) { return v.name == wanted; });
        ASSERT_NE(it, vectors().end());
        std::vector<event_header> headers;
        ASSERT_TRUE(decode_event_headers(views(it->frames), 4, headers));
        std::vector<event_header> expected;
        for (const event& e : events)
            expected.push_back(header_of(e, 4));
        EXPECT_EQ(headers, expected);
    }
}

// The rooms of a command that the broker holds to the room rule before anything else about them
// (PROTOCOL.md, section 9, step 7): HELLO's, WHO's and JOIN's. SAY and PART name a room the
// session must be in, so any other room, a name or not, is E_NOT_IN_ROOM.
std::vector<std::string> rooms_checked(const command& c) {
    if (const auto* h = std::get_if<hello>(&c))
        return {h->room};
    if (const auto* w = std::get_if<who>(&c))
        return {w->room};
    if (const auto* j = std::get_if<join>(&c))
        return {j->room};
    return {};
}

// What a broker refuses a command with (from the session its secret names, if it has one): the
// decoder's error, or else the room rule's; nothing if neither refuses it.
std::optional<error_code> refusal(const frame_list& frames) {
    const auto d = test::decode_command_frames(frames);
    if (const auto code = error_of(d))
        return code;
    for (const std::string& room : rooms_checked(std::get<command>(d))) {
        if (const auto bad = check_room(room))
            return bad->code;
    }
    return std::nullopt;
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
        EXPECT_EQ(refusal(v.frames), code);
    }
    EXPECT_GE(count, 50);
}

TEST(GoldenVectors, ABadRoomNameDecodesAndOnlyTheRoomRuleRefusesIt) {
    int count = 0;
    for (const vector_block& v : vectors()) {
        if (v.error_name != "E_ROOM_INVALID")
            continue;
        ++count;
        SCOPED_TRACE(v.name);
        EXPECT_EQ(error_of(test::decode_command_frames(v.frames)), std::nullopt);
    }
    EXPECT_GE(count, 8);
}

TEST(GoldenVectors, EveryValidCommandPassesTheRoomRule) {
    for (const vector_block& v : vectors()) {
        if (v.kind != "command")
            continue;
        SCOPED_TRACE(v.name);
        EXPECT_EQ(refusal(v.frames), std::nullopt);
    }
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
        if (v.kind == "invalid-reply") {
            EXPECT_EQ(error_of(test::decode_reply_frames(v.frames)), code);
        } else {
            EXPECT_EQ(error_of(decode_events(views(v.frames))), code);
            // What the full decoder refuses for its structure, the header reader refuses too;
            // E_TOO_LONG is a cap it leaves to the full decoder.
            std::vector<event_header> headers;
            if (code != error_code::too_long) {
                EXPECT_FALSE(decode_event_headers(views(v.frames), 16, headers));
            }
        }
    }
    EXPECT_GE(count, 16);
}

// The envelope vectors (PROTOCOL.md, section 2a) split as their kind line says: the path, the
// client's key, and either the command or the refusal the broker answers along the path.
TEST(GoldenVectors, EveryEnvelopeSplitsIntoItsPathKeyAndCommandOrIsRefused) {
    const std::map<std::string, carrier> carriers{{"envelope-anyone", carrier::anyone},
                                                  {"envelope-client", carrier::client},
                                                  {"envelope-relay", carrier::relay}};
    std::set<std::string> seen;
    for (const vector_block& v : vectors()) {
        const auto from = carriers.find(v.kind);
        if (from == carriers.end())
            continue;
        SCOPED_TRACE(v.name);
        seen.insert(v.kind + (v.routing.find("E_") == std::string::npos ? "" : " refused"));
        std::istringstream routing(v.routing);
        std::size_t path = 0;
        routing >> path;
        bool key = false;
        std::string code_name;
        for (std::string word; routing >> word;) {
            if (word == "key")
                key = true;
            else
                code_name = word;
        }
        const std::vector<std::string_view> frames = views(v.frames);
        const envelope_split split = split_envelope(frames, from->second);
        EXPECT_EQ(split.identities, path);
        EXPECT_EQ(split.body, key ? path + 1 : path);
        // Only a relay's key vouches for the key it sends.
        EXPECT_EQ(split.client_key,
                  key && from->second == carrier::relay ? frames[path] : std::string_view{});
        const auto command = test::decode_command_frames(
            frame_list(v.frames.begin() + static_cast<std::ptrdiff_t>(split.body), v.frames.end()));
        if (code_name.empty()) {
            EXPECT_TRUE(split.accepted && !split.refusal);
            EXPECT_EQ(error_of(command), std::nullopt);
        } else if (split.refusal) {
            EXPECT_EQ(code_name, "E_MALFORMED");
        } else {
            EXPECT_FALSE(split.accepted);
            EXPECT_EQ(error_of(command), code_named(code_name));
        }
    }
    EXPECT_EQ(seen, (std::set<std::string>{"envelope-anyone", "envelope-anyone refused",
                                           "envelope-client", "envelope-client refused",
                                           "envelope-relay", "envelope-relay refused"}));
}

TEST(GoldenVectors, CoverEveryCommandReplyAndEventAndEveryDecodingError) {
    std::set<std::size_t> commands;
    std::set<std::size_t> replies;
    std::set<std::size_t> events;
    bool batch = false;
    for (const auto& [name, m] : expectations()) {
        if (const auto* c = std::get_if<command>(&m))
            commands.insert(c->index());
        else if (const auto* r = std::get_if<reply>(&m))
            replies.insert(r->index());
        else if (const auto* e = std::get_if<event>(&m))
            events.insert(e->index());
        else
            batch = true;
    }
    EXPECT_EQ(commands.size(), std::variant_size_v<command>);
    EXPECT_EQ(replies.size(), std::variant_size_v<reply>);
    EXPECT_EQ(events.size(), std::variant_size_v<event>);
    EXPECT_TRUE(batch);
    std::set<std::string> errors;
    for (const vector_block& v : vectors())
        errors.insert(v.error_name);
    for (const char* e : {"E_MALFORMED", "E_BAD_SIGNATURE", "E_VERSION", "E_UNKNOWN_COMMAND",
                          "E_TOO_LONG", "E_ROOM_INVALID"})
        EXPECT_TRUE(errors.contains(e)) << e;
}

} // namespace
} // namespace zchat::proto
