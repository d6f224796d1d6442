// The tap's printers: the human line, JSON Lines (escaping of every byte, invalid UTF-8), the
// -F custom format with its tokens and escapes, and the times they print.
#include "tools/tap/format.hpp"

#include "tests/tools/tap/support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace zchat::tap {
namespace {

using json = nlohmann::json;
using test::at;

note event_note(proto::event e, std::int64_t ms = 0) {
    return note{at(ms), test::arrived(std::move(e), 42)};
}

// True if every byte is printable ASCII: nothing a terminal could act on.
bool plain_ascii(const std::string& s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
            return false;
    return true;
}

TEST(TapTime, IsoAndUnixTimesAreUtcWithFractions) {
    EXPECT_EQ(iso_time(at(0).wall), "2026-11-28T11:02:03.123Z");
    EXPECT_EQ(unix_time(at(0).wall), "1795863723.123456");
    EXPECT_EQ(iso_time(at(1000).wall), "2026-11-28T11:02:04.123Z");
}

TEST(TapHumanLine, ShowsTimeSeqKindTopicSenderAndText) {
    EXPECT_EQ(human_line(event_note(test::line_at(7, 2, "alice", "Hello"))),
              "11:02:03.123 #2 line chat/lobby/ [alice] Hello");
    EXPECT_EQ(human_line(event_note(test::join_at(7, 1, 1, "bob", "lobby", 4))),
              "11:02:03.123 #1 join presence/lobby/ bob (sid 2, 1 online, chat at 4)");
    EXPECT_EQ(human_line(event_note(test::leave_at(7, 3, 0))),
              "11:02:03.123 #3 leave presence/lobby/ bob (sid 2, 0 online, quit)");
    // A broker-wide event has no number of its own; a HEARTBEAT lists each room's chat and
    // presence numbers.
    EXPECT_EQ(human_line(event_note(test::heartbeat_at(7, {{"lobby", 3, 2}, {"ops", 0, 1}}, 1))),
              "11:02:03.123 #- heartbeat sys/heartbeat/ 1 online, every 1000 ms, #lobby 3/2, "
              "#ops 0/1");
    EXPECT_EQ(human_line(event_note(test::heartbeat_at(7))),
              "11:02:03.123 #- heartbeat sys/heartbeat/ 0 online, every 1000 ms");
}

TEST(TapHumanLine, ShowsEachRoomsEventsUnderItsOwnTopics) {
    EXPECT_EQ(human_line(event_note(test::line_at(7, 1, "carol", "ready?", "ops"))),
              "11:02:03.123 #1 line chat/ops/ [carol] ready?");
    EXPECT_EQ(human_line(event_note(test::join_at(7, 2, 2, "carol", "ops", 1))),
              "11:02:03.123 #2 join presence/ops/ carol (sid 2, 2 online, chat at 1)");
    proto::left parted = std::get<proto::left>(test::leave_at(7, 3, 1, "carol", "ops"));
    parted.reason = proto::leave_reason::parted;
    EXPECT_EQ(human_line(event_note(parted)),
              "11:02:03.123 #3 leave presence/ops/ carol (sid 2, 1 online, parted)");
}

TEST(TapHumanLine, ShowsStatsWithRejectedCodes) {
    proto::stats s{7,
                   5000,
                   2,
                   3,
                   2,
                   9,
                   4,
                   100,
                   200,
                   1,
                   0,
                   0,
                   {{proto::error_code::name_taken, 2}, {proto::error_code::not_in_room, 5}}};
    EXPECT_EQ(human_line(event_note(s)),
              "11:02:03.123 #- stats sys/stats/ up 5.0 s, 2 online (peak 3), 2 rooms, 9 events, "
              "4 lines, in 100 B, out 200 B, 1 expired, 0 evicted, 0 lagging, rejected "
              "E_NAME_TAKEN(8)=2 E_NOT_IN_ROOM(19)=5");
}

TEST(TapHumanLine, NeutralisesEveryControlByteInNamesTextsAndTopics) {
    std::string nasty;
    for (int b = 0; b < 256; ++b)
        nasty.push_back(static_cast<char>(b));
    nasty += "\u202E\u200B";
    note n = event_note(test::line_at(7, 2, nasty, nasty));
    std::get<observed_event>(n.body).topic = "chat/\x1b[2J/";
    const std::string out = human_line(n);
    for (const char c : out) {
        const auto b = static_cast<unsigned char>(c);
        EXPECT_TRUE(b >= 0x20 && b != 0x7F) << "control byte " << int{b};
    }
    EXPECT_NE(out.find("\\u{1B}"), std::string::npos);
    EXPECT_NE(out.find("\\u{202E}"), std::string::npos);
    EXPECT_EQ(out.find("\u202E"), std::string::npos);
}

TEST(TapHumanLine, MarksAlertsGapsRestartsAndUndecodableFrames) {
    EXPECT_EQ(human_line({at(0), gap{"lobby", "chat", 7, 3, 4}}),
              "11:02:03.123 !! gap: 2 events missed in #lobby chat (seq 3 to 4)");
    EXPECT_EQ(human_line({at(0), gap{"ops", "presence", 7, 3, 3}}),
              "11:02:03.123 !! gap: 1 event missed in #ops presence (seq 3)");
    alert a;
    a.kind = alert_kind::seq_backwards;
    a.message = "line with chat seq 1 in #lobby after seq 5 in the same epoch";
    EXPECT_EQ(human_line({at(0), a}), "11:02:03.123 !! alert seq_backwards: line with chat seq 1 "
                                      "in #lobby after seq 5 in the same epoch");
    EXPECT_EQ(human_line({at(0), restart{1, 2}}),
              "11:02:03.123 == restart: new epoch 2 (was 1), the broker restarted");
    EXPECT_EQ(human_line({at(0), back{4200, 2, true}}),
              "11:02:03.123 == back: events again after 4200 ms (new epoch: the broker restarted)");
    const std::string_view frames[] = {"chat/\x1b/", "ZCHAT\x02\x04LINE"};
    const auto bad = read_message(frames);
    ASSERT_EQ(bad.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<undecodable>(bad[0]));
    const std::string out = human_line({at(0), std::get<undecodable>(bad[0])});
    EXPECT_TRUE(out.starts_with("11:02:03.123 ?? undecodable chat/\\u{1B}/ E_MALFORMED: "));
    EXPECT_TRUE(out.ends_with("(2 frames, 18 bytes) 5a4348415402044c494e45")) << out;
}

TEST(TapHumanLine, ColoursOnlyWhenAsked) {
    EXPECT_EQ(human_line({at(0), gap{"lobby", "chat", 7, 3, 3}}, true),
              "\x1b[31m11:02:03.123 !! gap: 1 event missed in #lobby chat (seq 3)\x1b[0m");
    EXPECT_EQ(human_line(event_note(test::line_at(7, 2, "a", "b")), true),
              "11:02:03.123 #2 line chat/lobby/ [a] b");
}

TEST(TapReadMessage, GivesEachEventOfABatchInOrderCountingTheBytesOnce) {
    const std::vector<proto::event> events{proto::line{1, 2, "lobby", "a", 7, 1, "one"},
                                           proto::line{1, 3, "lobby", "b", 8, 1, "two"}};
    const proto::frame_list frames = proto::encode_batch(events);
    const auto v = proto::views(frames);
    const auto observed = read_message(v);
    ASSERT_EQ(observed.size(), 2u);
    const auto& first = std::get<observed_event>(observed[0]);
    const auto& second = std::get<observed_event>(observed[1]);
    EXPECT_EQ(first.event, events[0]);
    EXPECT_EQ(second.event, events[1]);
    EXPECT_EQ(first.topic, "chat/lobby/");
    EXPECT_EQ(first.bytes, frames[0].size() + frames[1].size());
    EXPECT_EQ(second.bytes, 0u);
}

TEST(TapUndecodable, PreviewIsBoundedHex) {
    const std::string big(100, '\xff');
    const std::string_view frames[] = {"t/", big};
    const auto u = std::get<undecodable>(read_message(frames).at(0));
    EXPECT_EQ(u.preview, std::string(48, 'f') + "...");
    EXPECT_EQ(u.bytes, 102u);
    const auto empty = std::get<undecodable>(read_message({}).at(0));
    EXPECT_EQ(empty.frames, 0u);
    EXPECT_EQ(empty.topic, "");
}

TEST(TapJson, LineHasStableFieldsAndExactText) {
    const std::string text = "He said \"hi\" \\ caf\u00e9 \u4e2d \U0001F600\t\u202Eevil\u202C";
    const auto out =
        json_line(event_note(test::line_at(16941625916395180387u, 2, "Zo\u00eb", text)));
    EXPECT_TRUE(plain_ascii(out)) << out;
    const auto j = json::parse(out);
    EXPECT_EQ(j["time"], "2026-11-28T11:02:03.123Z");
    EXPECT_DOUBLE_EQ(j["unix_time"].get<double>(), 1795863723.123456);
    EXPECT_EQ(j["kind"], "line");
    EXPECT_EQ(j["epoch"], "16941625916395180387");
    EXPECT_EQ(j["seq"], 2);
    EXPECT_EQ(j["topic"], "chat/lobby/");
    EXPECT_EQ(j["room"], "lobby");
    EXPECT_EQ(j["sender"], "Zo\u00eb");
    EXPECT_EQ(j["session_id"], 1);
    EXPECT_EQ(j["message_id"], 2);
    EXPECT_EQ(j["action"], false);
    EXPECT_EQ(j["text"], text);
    EXPECT_EQ(j["bytes"], 42);
    EXPECT_TRUE(out.starts_with(R"({"time":"2026-11-28T11:02:03.123Z","unix_time":)")) << out;
}

TEST(TapHumanLine, AnActionReadsAsTheClientShowsIt) {
    proto::event waves = test::line_at(7, 2, "alice", "waves");
    std::get<proto::line>(waves).kind = proto::line_kind::action;
    EXPECT_EQ(human_line(event_note(waves)), "11:02:03.123 #2 line chat/lobby/ * alice waves");
    EXPECT_EQ(json::parse(json_line(event_note(waves)))["action"], true);
}

TEST(TapJson, PresenceHeartbeatAndStatsFields) {
    auto j = json::parse(json_line(event_note(test::leave_at(7, 3, 0, "bob", "ops"))));
    EXPECT_EQ(j["kind"], "leave");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["seq"], 3);
    EXPECT_EQ(j["topic"], "presence/ops/");
    EXPECT_EQ(j["name"], "bob");
    EXPECT_EQ(j["online"], 0);
    EXPECT_FALSE(j.contains("roster_version")) << "the seq is the roster version";
    EXPECT_EQ(j["reason"], "quit");
    EXPECT_EQ(j["reason_code"], 1);
    j = json::parse(json_line(event_note(test::join_at(7, 4, 2, "carol", "ops", 9))));
    EXPECT_EQ(j["kind"], "join");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["seq"], 4);
    EXPECT_EQ(j["chat_seq"], 9);
    j = json::parse(
        json_line(event_note(test::heartbeat_at(7, {{"lobby", 3, 2}, {"ops", 0, 1}}, 1, 250))));
    EXPECT_EQ(j["kind"], "heartbeat");
    EXPECT_EQ(j["online"], 1);
    EXPECT_EQ(j["interval_ms"], 250);
    // A broker-wide event belongs to no room and has no number of its own.
    EXPECT_FALSE(j.contains("room"));
    EXPECT_FALSE(j.contains("seq"));
    EXPECT_EQ(j["heads"], json::parse(R"([{"room":"lobby","seq":3,"roster_version":2},)"
                                      R"({"room":"ops","seq":0,"roster_version":1}])"));
    j = json::parse(json_line(event_note(test::heartbeat_at(7))));
    EXPECT_EQ(j["heads"], json::array());
    proto::stats s{7, 5000, 2, 3, 2, 9, 4, 100, 200, 1, 0, 0, {{proto::error_code::name_taken, 2}}};
    j = json::parse(json_line(event_note(s)));
    EXPECT_EQ(j["kind"], "stats");
    EXPECT_FALSE(j.contains("seq"));
    EXPECT_EQ(j["uptime_ms"], 5000);
    EXPECT_EQ(j["peak_online"], 3);
    EXPECT_EQ(j["rooms"], 2);
    EXPECT_EQ(j["rejected"][0]["name"], "E_NAME_TAKEN");
    EXPECT_EQ(j["rejected"][0]["count"], 2);
}

TEST(TapJson, EveryRoomEventCarriesItsRoomAndItsNumberInThatRoom) {
    const auto j = json::parse(json_line(event_note(test::line_at(7, 5, "carol", "hi", "ops"))));
    EXPECT_EQ(j["kind"], "line");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["seq"], 5);
    EXPECT_EQ(j["topic"], "chat/ops/");
    for (const proto::event& e :
         {proto::event{proto::probe{7, 3}}, proto::event{proto::shutdown{7}}}) {
        const auto broker_wide = json::parse(json_line(event_note(e)));
        EXPECT_FALSE(broker_wide.contains("room")) << broker_wide.dump();
        EXPECT_FALSE(broker_wide.contains("seq")) << broker_wide.dump();
    }
}

TEST(TapJson, EveryByteValueGivesValidAsciiJson) {
    for (int b = 0; b < 256; ++b) {
        SCOPED_TRACE(b);
        const std::string text = "a" + std::string(1, static_cast<char>(b)) + "z";
        const auto out = json_line(event_note(test::line_at(7, 1, text, text)));
        EXPECT_TRUE(plain_ascii(out)) << out;
        json j;
        ASSERT_NO_THROW(j = json::parse(out)) << out;
        // A lone byte of 0x80 or more is never well-formed UTF-8: it becomes U+FFFD.
        const std::string expected = b < 0x80 ? text : "a\uFFFDz";
        EXPECT_EQ(j["text"], expected);
        EXPECT_EQ(j["sender"], expected);
    }
}

TEST(TapJson, InvalidUtf8IsReplacedNotFatal) {
    for (const std::string bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                  "\xe2\x82", "\x80", "\xff\xfe", "ok\xe2\x82"}) {
        const auto out = json_line(event_note(test::line_at(7, 1, "x", bad + "!")));
        EXPECT_TRUE(plain_ascii(out)) << out;
        json j;
        ASSERT_NO_THROW(j = json::parse(out)) << out;
        const auto text = j["text"].get<std::string>();
        EXPECT_NE(text.find("\uFFFD"), std::string::npos) << text;
        EXPECT_TRUE(text.ends_with("!"));
    }
}

TEST(TapJson, NotesAreObjectsOfTheirKind) {
    auto j = json::parse(json_line({at(0), gap{"ops", "presence", 7, 3, 4}}));
    EXPECT_EQ(j["kind"], "gap");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["stream"], "presence");
    EXPECT_EQ(j["missed"], 2);
    EXPECT_EQ(j["first_seq"], 3);
    EXPECT_EQ(j["last_seq"], 4);
    EXPECT_EQ(j["epoch"], "7");
    alert a;
    a.kind = alert_kind::online_mismatch;
    a.message = "m";
    a.epoch = 7;
    a.room = "ops";
    a.seq = 4;
    a.online = 3;
    a.expected_online = 2;
    a.roster_version = 5;
    j = json::parse(json_line({at(0), a}));
    EXPECT_EQ(j["kind"], "alert");
    EXPECT_EQ(j["alert"], "online_mismatch");
    EXPECT_EQ(j["room"], "ops");
    EXPECT_EQ(j["expected_online"], 2);
    EXPECT_FALSE(j.contains("silent_ms"));
    j = json::parse(json_line({at(0), restart{1, 2}}));
    EXPECT_EQ(j["kind"], "restart");
    EXPECT_EQ(j["previous_epoch"], "1");
    j = json::parse(json_line({at(0), back{10, 2, false}}));
    EXPECT_EQ(j["kind"], "back");
    EXPECT_EQ(j["new_epoch"], false);
    const std::string_view frames[] = {"chat/\xff/", "junk"};
    j = json::parse(json_line({at(0), std::get<undecodable>(read_message(frames).at(0))}));
    EXPECT_EQ(j["kind"], "undecodable");
    EXPECT_EQ(j["topic"], "chat/\uFFFD/");
    EXPECT_EQ(j["error"], "E_BAD_SIGNATURE");
}

line_format parsed(std::string_view fmt) {
    auto f = line_format::parse(fmt);
    if (auto* error = std::get_if<std::string>(&f)) {
        ADD_FAILURE() << *error;
        return std::get<line_format>(line_format::parse(""));
    }
    return std::get<line_format>(std::move(f));
}

TEST(TapFormat, ExpandsEveryToken) {
    const auto n = event_note(test::line_at(7, 2, "alice", "Hello\tthere\x1b"));
    EXPECT_EQ(parsed("%I|%U|%e|%s|%k|%t|%r|%n|%i|%p|%%").expand(n),
              "2026-11-28T11:02:03.123Z|1795863723.123456|7|2|line|chat/lobby/|lobby|alice|1|"
              "Hello there\\u{1B}|%");
    const auto j = json::parse(parsed("%j").expand(n));
    EXPECT_EQ(j["text"], "Hello\tthere\x1b");
    EXPECT_EQ(parsed("%n %o %r").expand(event_note(test::join_at(7, 1, 3, "bob", "ops"))),
              "bob 3 ops");
    EXPECT_EQ(
        parsed("[%n] [%r] %p").expand(event_note(test::heartbeat_at(7, {{"lobby", 4, 1}}, 2))),
        "[] [] 2 online, every 1000 ms, #lobby 4/1");
}

TEST(TapFormat, ExpandsEscapes) {
    const auto n = event_note(test::line_at(7, 2));
    EXPECT_EQ(parsed("%s\\t%k\\n\\\\\\0end").expand(n), std::string("2\tline\n\\\0end", 12));
}

TEST(TapFormat, RefusesUnknownTokensAndEscapes) {
    for (const std::string_view bad : {"%x", "%", "abc\\", "\\q", "% "}) {
        SCOPED_TRACE(bad);
        EXPECT_TRUE(std::holds_alternative<std::string>(line_format::parse(bad)));
    }
}

TEST(TapFormat, UndecodableFramesFillWhatTheyHave) {
    const std::string_view frames[] = {"chat/x/", "junk"};
    const note n{at(0), std::get<undecodable>(read_message(frames).at(0))};
    EXPECT_EQ(parsed("%k|%t|%s|%n").expand(n), "undecodable|chat/x/||");
}

TEST(TapStatsLines, PeriodAndSummaryInBothForms) {
    period_report r;
    r.length = std::chrono::seconds(2);
    r.counts.by_kind[0] = 10; // line
    r.counts.by_kind[3] = 2;  // heartbeat
    r.counts.bytes = 1000;
    r.counts.missed = 3;
    r.online = 4;
    EXPECT_EQ(human_period(at(0).wall, r),
              "11:02:03.123 stats: 6.0 ev/s (line 5.0, heartbeat 1.0), 500 B/s, 4 online, "
              "3 missed, 0 restarts, 0 alerts");
    auto j = json::parse(json_period(at(0).wall, r));
    EXPECT_EQ(j["kind"], "tap_stats");
    EXPECT_DOUBLE_EQ(j["events_per_s"].get<double>(), 6.0);
    EXPECT_DOUBLE_EQ(j["events_per_s_by_kind"]["line"].get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(j["bytes_per_s"].get<double>(), 500.0);
    EXPECT_EQ(j["online"], 4);
    EXPECT_EQ(j["missed"], 3);

    summary_report s;
    s.length = std::chrono::seconds(4);
    s.counts = r.counts;
    j = json::parse(json_summary(at(0).wall, s));
    EXPECT_EQ(j["kind"], "tap_summary");
    EXPECT_EQ(j["events"], 12);
    EXPECT_EQ(j["by_kind"]["line"], 10);
    EXPECT_EQ(j["bytes"], 1000);
    EXPECT_TRUE(j["online"].is_null());
    EXPECT_EQ(human_summary(at(0).wall, s),
              "11:02:03.123 summary: 12 events in 4.0 s (line 10, join 0, leave 0, heartbeat 2, "
              "probe 0, shutdown 0, stats 0, relay 0, undecodable 0), 1000 bytes, ? online, "
              "3 missed, 0 restarts, 0 alerts");
}

} // namespace
} // namespace zchat::tap
