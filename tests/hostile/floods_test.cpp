// Volume attacks against the real broker (RELIABILITY.md A6, A13, A14, F7, O5): floods of SAY,
// of garbage and of heartbeats (from strangers, and a joined session's PINGs, which are not
// rate-limited), JOINs up to a session's room limit and past it, a frame over the ROUTER's size
// limit, ten thousand HELLOs up to and past --max-clients, and thousands of connections that
// vanish without BYE. Each case runs
// beside alice and bob's conversation and ends with the oracles of scene::finish. Bounds that
// depend on time use the time measured, so they hold however slow the machine is.
#include "tests/hostile/harness.hpp"

#include "tests/broker/test_client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <set>
#include <thread>

namespace zchat::hostile {
namespace {

using proto::error_code;

constexpr milliseconds silence{300};
// The broker's default rate limit (PROTOCOL.md section 14).
constexpr std::uint64_t rate_per_second = 20;
constexpr std::uint64_t rate_burst = 40;

const std::string lobby{proto::default_room};

proto::frame_list hello_frames(const std::string& name) {
    return proto::encode(proto::command{proto::hello{name, lobby, std::nullopt}});
}

std::uint64_t count_error(const std::map<error_code, std::uint64_t>& tally, error_code code) {
    const auto it = tally.find(code);
    return it == tally.end() ? 0 : it->second;
}

std::uint64_t counter(const totals& t, const std::string& name) {
    const auto it = t.rejected.find(name);
    return it == t.rejected.end() ? 0 : it->second;
}

TEST(Floods, ASayFloodIsRateLimitedWithCappedErrorsAndCountedInFull) {
    scene s;
    constexpr std::uint64_t flood = 300;
    std::uint64_t acks = 0;
    std::uint64_t limited = 0;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto started = clock::now();
        for (std::uint64_t id = 1; id <= flood; ++id)
            mallory.say(id, "flood " + std::to_string(id));
        std::set<std::uint64_t> answered;
        auto last_reply = started;
        while (const auto r = recv_reply(mallory.dealer(), 1000ms)) {
            last_reply = clock::now();
            if (const auto* a = std::get_if<proto::ack>(&*r)) {
                // A cumulative ACK also confirms the count - 1 accepted SAYs before the one it
                // names.
                acks += a->count;
                EXPECT_TRUE(answered.insert(a->message_id).second) << "two answers to one SAY";
            } else if (const auto* e = std::get_if<proto::error>(&*r);
                       e && e->code == error_code::rate_limited) {
                ++limited;
                EXPECT_TRUE(answered.insert(e->message_id).second) << "two answers to one SAY";
            } else {
                ADD_FAILURE() << "a flooder got " << describe(r);
            }
        }
        const auto elapsed = std::chrono::ceil<milliseconds>(last_reply - started);
        const auto refill = static_cast<std::uint64_t>(
            std::ceil(static_cast<double>(elapsed.count()) * rate_per_second / 1000.0));
        EXPECT_GE(acks, rate_burst) << "the burst is allowed";
        EXPECT_LE(acks, rate_burst + refill + 1) << "over " << elapsed.count() << " ms";
        EXPECT_GE(limited, 1u);
        EXPECT_LE(limited, error_cap(elapsed)) << "O5: over " << elapsed.count() << " ms";
        EXPECT_TRUE(std::all_of(answered.begin(), answered.end(),
                                [](std::uint64_t id) { return id >= 1 && id <= flood; }));
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    const auto t = s.finish({{"E_RATE_LIMITED", flood - acks}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->errors_not_sent, flood - acks - limited);
    // Every accepted line was published, and seen by the bystanders: the probe said one.
    EXPECT_EQ(t->lines_in, acks + s.chat.lines_sent() + 1);
    const auto& events = s.chat.alice_saw();
    EXPECT_EQ(static_cast<std::uint64_t>(std::count_if(
                  events.begin(), events.end(),
                  [](const seen_event& e) { return e.kind == 'L' && e.name == "mallory"; })),
              acks);
}

// Lines that piled up while the broker could not run (SIGSTOP) go out, once it runs again, in
// fewer messages than lines: batches of the lobby's chat and cumulative ACKs (PROTOCOL.md,
// sections 5 and 19). Each line arrives once and in order, and the ACKs confirm every SAY.
TEST(Floods, LinesThatPiledUpGoOutInBatchesCompleteAndInOrder) {
    scene s;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        zmq::socket_t watcher(s.ctx, zmq::socket_type::sub);
        watcher.set(zmq::sockopt::linger, 0);
        watcher.set(zmq::sockopt::subscribe, proto::chat_topic(lobby));
        watcher.connect(s.broker.pub());
        // The watcher hears the lobby once a bystanders' line reaches it.
        ASSERT_TRUE(test::receive_frames(watcher, clock::now() + 5s));

        ASSERT_EQ(::kill(s.broker.pid(), SIGSTOP), 0);
        for (std::uint64_t id = 1; id <= rate_burst; ++id)
            mallory.say(id, "piled up " + std::to_string(id));
        std::this_thread::sleep_for(200ms); // for the SAYs to reach the broker's host
        ASSERT_EQ(::kill(s.broker.pid(), SIGCONT), 0);

        std::uint64_t confirmed = 0;
        std::uint64_t ack_messages = 0;
        while (confirmed < rate_burst) {
            const auto r = recv_reply(mallory.dealer(), 3000ms);
            const auto* ack = r ? std::get_if<proto::ack>(&*r) : nullptr;
            ASSERT_NE(ack, nullptr) << "after " << confirmed << " confirmed: " << describe(r);
            confirmed += ack->count;
            ++ack_messages;
            EXPECT_EQ(ack->message_id, confirmed) << "an ACK names the last SAY it confirms";
        }
        EXPECT_EQ(confirmed, rate_burst);
        EXPECT_LT(ack_messages, rate_burst);

        std::vector<std::uint64_t> ids; // mallory's lines, as the watcher received them
        std::uint64_t messages = 0;     // the messages that carried them
        const auto deadline = clock::now() + 5s;
        while (ids.size() < rate_burst) {
            const auto frames = test::receive_frames(watcher, deadline);
            ASSERT_TRUE(frames) << "the watcher saw " << ids.size() << " of mallory's lines";
            const auto v = proto::views(*frames);
            auto decoded = proto::decode_events(v);
            ASSERT_TRUE(std::holds_alternative<std::vector<proto::event>>(decoded));
            bool carried = false;
            for (const proto::event& e : std::get<std::vector<proto::event>>(decoded)) {
                const auto* l = std::get_if<proto::line>(&e);
                if (l && l->sender == "mallory") {
                    EXPECT_EQ(l->text, "piled up " + std::to_string(l->message_id));
                    ids.push_back(l->message_id);
                    carried = true;
                }
            }
            messages += carried ? 1 : 0;
        }
        std::vector<std::uint64_t> in_order(rate_burst);
        std::iota(in_order.begin(), in_order.end(), 1);
        EXPECT_EQ(ids, in_order);
        EXPECT_LT(messages, rate_burst);
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    ASSERT_TRUE(s.finish({}));
}

// Private messages are rate-limited like lines: a flood of them reaches its victim no faster
// than the rate and leaves the victim free to chat (the bystanders' oracle sees no line from
// mallory: nothing private is published).
TEST(Floods, APrivateMessageFloodIsRateLimitedLikeLinesAndNeverPublished) {
    scene s;
    constexpr std::uint64_t flood = 300;
    std::uint64_t acks = 0;
    std::uint64_t limited = 0;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        test::test_client victim(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(victim.join("victim"));
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto started = clock::now();
        for (std::uint64_t id = 1; id <= flood; ++id)
            mallory.msg("victim", id, "psst " + std::to_string(id));
        auto last_reply = started;
        while (const auto r = recv_reply(mallory.dealer(), 1000ms)) {
            last_reply = clock::now();
            if (const auto* a = std::get_if<proto::ack>(&*r))
                acks += a->count;
            else if (const auto* e = std::get_if<proto::error>(&*r);
                     e && e->code == error_code::rate_limited)
                ++limited;
            else
                ADD_FAILURE() << "a flooder got " << describe(r);
        }
        const auto elapsed = std::chrono::ceil<milliseconds>(last_reply - started);
        const auto refill = static_cast<std::uint64_t>(
            std::ceil(static_cast<double>(elapsed.count()) * rate_per_second / 1000.0));
        EXPECT_GE(acks, rate_burst);
        EXPECT_LE(acks, rate_burst + refill + 1) << "over " << elapsed.count() << " ms";
        EXPECT_GE(limited, 1u);
        // The victim got exactly what was acknowledged, from mallory, and can still talk.
        std::uint64_t received = 0;
        while (const auto r = recv_reply(victim.dealer(), 300ms)) {
            const auto* p = std::get_if<proto::private_line>(&*r);
            ASSERT_TRUE(p) << describe(r);
            EXPECT_EQ(p->from, "mallory");
            ++received;
        }
        EXPECT_EQ(received, acks);
        victim.say(1, "still here");
        EXPECT_NO_THROW(victim.expect_reply<proto::ack>());
        // A message to oneself comes back; one to a name just gone reaches nobody.
        victim.msg("victim", 2, "note to self");
        EXPECT_EQ(victim.expect_reply<proto::private_line>().text, "note to self");
        EXPECT_NO_THROW(victim.expect_reply<proto::ack>());
        victim.bye();
        mallory.msg("victim", flood + 1, "are you there?");
        const auto answer = recv_reply(mallory.dealer(), 3000ms);
        ASSERT_TRUE(answer);
        const bool delivered_or_gone = std::holds_alternative<proto::ack>(*answer) ||
                                       is_error(answer, error_code::no_such_user) ||
                                       is_error(answer, error_code::rate_limited);
        EXPECT_TRUE(delivered_or_gone) << describe(answer);
        mallory.bye();
    }
    const auto t = s.finish_uncounted();
    ASSERT_TRUE(t);
    EXPECT_GE(counter(*t, "E_RATE_LIMITED"), flood - acks);
    const auto& events = s.chat.alice_saw();
    EXPECT_EQ(
        std::count_if(events.begin(), events.end(),
                      [](const seen_event& e) { return e.kind == 'L' && e.name == "mallory"; }),
        0);
}

TEST(Floods, AFlooderWhoKeepsOnIsEvictedWithAPublishedReason) {
    scene s;
    std::uint64_t sent = 0;
    std::uint64_t acks = 0;
    std::map<error_code, std::uint64_t> errors;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto id = mallory.welcome()->session_id;
        const auto take_replies = [&](milliseconds wait) {
            while (const auto r = recv_reply(mallory.dealer(), wait)) {
                if (const auto* a = std::get_if<proto::ack>(&*r))
                    acks += a->count;
                else if (const auto* e = std::get_if<proto::error>(&*r))
                    ++errors[e->code];
                wait = 0ms;
            }
        };
        // About 200 SAYs a second, ten times the rate, until the broker ends the session; the
        // grace is 5 s of refusals without a pause.
        std::optional<proto::left> evicted;
        event_stream events(mallory.sub());
        const auto deadline = clock::now() + 20s;
        while (!evicted && clock::now() < deadline) {
            mallory.say(++sent, "flood");
            take_replies(5ms);
            while (const auto e = events.next(0ms)) {
                if (const auto* l = std::get_if<proto::left>(&*e); l && l->session_id == id)
                    evicted = *l;
            }
        }
        ASSERT_TRUE(evicted) << "a flooder was still in the room after 20 s";
        EXPECT_EQ(evicted->reason, proto::leave_reason::flooding);
        take_replies(silence);
    }
    const auto t = s.finish_uncounted();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->evicted, 1u);
    EXPECT_EQ(counter(*t, "E_EVICTED"), 1u);
    EXPECT_GE(counter(*t, "E_RATE_LIMITED"), 1u);
    // Every SAY was published, refused as over the rate, or (in flight at the eviction) refused
    // as no longer joined; the one that found the grace spent ended the session.
    EXPECT_EQ(counter(*t, "E_RATE_LIMITED") + counter(*t, "E_NOT_JOINED") + 1, sent - acks);
    EXPECT_EQ(t->rejected.size(), counter(*t, "E_NOT_JOINED") > 0 ? 3u : 2u);
    EXPECT_EQ(count_error(errors, error_code::evicted), 1u) << "the flooder is told why it left";
    EXPECT_LE(count_error(errors, error_code::rate_limited), counter(*t, "E_RATE_LIMITED"));
    EXPECT_LE(count_error(errors, error_code::not_joined), counter(*t, "E_NOT_JOINED"));
    const auto& events = s.chat.alice_saw();
    const auto leave = std::find_if(events.begin(), events.end(), [](const seen_event& e) {
        return e.kind == 'X' && e.name == "mallory";
    });
    ASSERT_NE(leave, events.end());
    EXPECT_EQ(leave->reason, proto::leave_reason::flooding);
}

// RELIABILITY.md S8, the error budget: garbage from a joined session's own connection would
// otherwise go on for ever under the ERROR cap (a message that fails decoding is not charged to
// the rate). The 100th refusal within 10 s ends the session, and everyone is told why.
TEST(Floods, GarbageFromAJoinedSessionEndsItWhenItsErrorBudgetIsSpent) {
    scene s;
    std::map<error_code, std::uint64_t> errors;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto id = mallory.welcome()->session_id;
        for (int i = 0; i < 100; ++i)
            mallory.dealer().send(zmq::str_buffer("junk"), zmq::send_flags::none);
        std::optional<proto::left> ended;
        event_stream events(mallory.sub());
        const auto deadline = clock::now() + 5s;
        while (!ended && clock::now() < deadline)
            if (const auto e = events.next(100ms))
                if (const auto* l = std::get_if<proto::left>(&*e); l && l->session_id == id)
                    ended = *l;
        ASSERT_TRUE(ended) << "mallory's session outlived 100 refusals";
        EXPECT_EQ(ended->reason, proto::leave_reason::too_many_errors);
        while (const auto r = recv_reply(mallory.dealer(), silence))
            if (const auto* e = std::get_if<proto::error>(&*r))
                ++errors[e->code];
    }
    const auto t = s.finish({{"E_BAD_SIGNATURE", 100}, {"E_EVICTED", 1}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->evicted, 1u);
    EXPECT_EQ(errors[error_code::evicted], 1u) << "mallory is told why it left";
    EXPECT_LE(errors[error_code::bad_signature], 100u);
    const auto& events = s.chat.alice_saw();
    const auto leave = std::find_if(events.begin(), events.end(), [](const seen_event& e) {
        return e.kind == 'X' && e.name == "mallory";
    });
    ASSERT_NE(leave, events.end());
    EXPECT_EQ(leave->reason, proto::leave_reason::too_many_errors);
}

TEST(Floods, GarbageFromAStrangerDrawsCappedErrorsAndIsCountedInFull) {
    scene s;
    constexpr std::uint64_t flood = 2000;
    std::uint64_t received = 0;
    {
        raw_peer stranger(s.ctx, s.broker.router());
        const auto started = clock::now();
        // A WHO without its secret: "secret is cut short".
        for (std::uint64_t i = 0; i < flood; ++i)
            stranger.send(body("WHO"));
        auto last_reply = started;
        while (const auto r = stranger.recv_reply(1000ms)) {
            last_reply = clock::now();
            ++received;
            EXPECT_TRUE(is_error(r, error_code::malformed)) << describe(r);
        }
        const auto elapsed = std::chrono::ceil<milliseconds>(last_reply - started);
        EXPECT_GE(received, 10u) << "the first burst of ERRORs is answered";
        EXPECT_LE(received, error_cap(elapsed)) << "O5: over " << elapsed.count() << " ms";
    }
    const auto t = s.finish({{"E_MALFORMED", flood}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->errors_not_sent, flood - received);
}

// Answering a heartbeat from someone without a session would make the broker an amplifier.
TEST(Floods, HeartbeatsFromAStrangerAreDroppedInSilenceAndCounted) {
    scene s;
    {
        raw_peer stranger(s.ctx, s.broker.router());
        const auto ping =
            proto::encode(proto::command{proto::ping{proto::session_secret{}, {{lobby, 0}}}});
        for (int i = 0; i < 2000; ++i)
            stranger.send(ping);
        EXPECT_EQ(stranger.recv_reply(silence), std::nullopt);
    }
    s.finish({{"E_NOT_JOINED", 2000}});
}

// PING is never charged to the rate (PROTOCOL.md section 9, step 6a): a session that sends
// nothing but heartbeats, as fast as its socket takes them, is neither answered nor refused nor
// evicted, and has its whole burst of SAYs afterwards. Nor does the flood starve anyone: the
// broker reads its connections in turn, so a newcomer joins, speaks and is answered while the
// PINGs pour in, and the bystanders' lines keep coming (O2).
TEST(Floods, APingFloodIsNotRateLimitedAndStarvesNobody) {
    scene s;
    std::uint64_t pings = 0;
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto ping =
            proto::encode(proto::command{proto::ping{mallory.welcome()->secret, {{lobby, 0}}}});
        std::atomic<bool> flooding{true};
        std::atomic<std::uint64_t> sent{0};
        // The flooder thread has mallory's DEALER to itself until it is joined.
        std::thread flooder([&] {
            while (flooding.load() || sent.load() < 10000) {
                send_frames(mallory.dealer(), ping);
                ++sent;
            }
        });
        const auto newcomer_served = [&] {
            test::test_client carol(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
            carol.join("carol");
            carol.say(1, "served during the flood");
            carol.expect_reply<proto::ack>();
            carol.who();
            const auto roster = carol.expect_reply<proto::roster>();
            carol.bye();
            carol.take_event<proto::left>();
            return roster.names;
        };
        std::vector<std::string> roster;
        EXPECT_NO_THROW(roster = newcomer_served());
        const std::uint64_t sent_while_served = sent.load();
        flooding.store(false);
        flooder.join();
        pings = sent.load();
        EXPECT_EQ(roster, (std::vector<std::string>{"alice", "bob", "carol", "mallory"}));
        EXPECT_GT(sent_while_served, 0u) << "the newcomer was served before the flood began";
        const auto r = recv_reply(mallory.dealer(), silence);
        EXPECT_EQ(r, std::nullopt) << "a PING drew " << describe(r);
        // The whole burst is there: PINGs took nothing from the bucket.
        for (std::uint64_t id = 1; id <= rate_burst; ++id)
            mallory.say(id, "after the flood " + std::to_string(id));
        std::uint64_t acked = 0;
        while (acked < rate_burst) {
            const auto reply = recv_reply(mallory.dealer(), 3000ms);
            const auto* ack = reply ? std::get_if<proto::ack>(&*reply) : nullptr;
            ASSERT_NE(ack, nullptr) << "after " << acked << " ACKs: " << describe(reply);
            acked += ack->count;
        }
        EXPECT_EQ(acked, rate_burst);
        mallory.bye();
        EXPECT_NO_THROW(mallory.take_event<proto::left>());
    }
    const auto t = s.finish({});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->evicted, 0u);
    EXPECT_GE(pings, 10000u);
    // Generous for a loaded machine: unstarved, an ACK takes a millisecond or two.
    EXPECT_LT(s.chat.worst_ack_latency(), 2000ms) << "the bystanders waited through the flood";
}

// A session may be in 32 rooms (WELCOME's max rooms). JOINs sent in a flood, without waiting
// for answers, enter the 31 rooms the lobby leaves, a ROOM each, and the one after draws
// E_TOO_MANY_ROOMS; a JOIN of a room the session is in is answered ROOM and announces nothing,
// and a PART makes space again. Each room numbers its own events from 1, so the bystanders, who
// hear every room, follow 33 rooms' streams at once (O2) while their lobby goes on.
TEST(Rooms, AJoinFloodFillsTheSessionsRoomsThenDrawsTooManyRooms) {
    scene s;
    constexpr std::uint32_t cap = proto::max_rooms_per_session;
    const auto room = [](std::uint32_t i) { return "room-" + std::to_string(i); };
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        ASSERT_EQ(mallory.welcome()->max_rooms, cap);
        const auto id = mallory.welcome()->session_id;
        // The lobby is the first room: rooms 1 to cap - 1 fill the session, room cap is one
        // too many.
        for (std::uint32_t i = 1; i <= cap; ++i)
            mallory.join_room(room(i));
        for (std::uint32_t i = 1; i < cap; ++i) {
            proto::room_entered entered;
            ASSERT_NO_THROW(entered = mallory.expect_reply<proto::room_entered>()) << room(i);
            EXPECT_EQ(entered, (proto::room_entered{room(i), 0, 1, 1}));
        }
        EXPECT_TRUE(next_error_is(mallory.dealer(), error_code::too_many_rooms));

        mallory.join_room(room(7));
        EXPECT_EQ(mallory.expect_reply<proto::room_entered>(),
                  (proto::room_entered{room(7), 0, 1, 1}));
        // The first line of room 7 is its chat's number 1, whatever the lobby's stands at.
        mallory.say_in(room(7), 1, "in seven");
        EXPECT_EQ(mallory.expect_reply<proto::ack>().seq, 1u);
        mallory.say_in(room(cap), 2, "in no such room of mine");
        EXPECT_TRUE(next_error_is(mallory.dealer(), error_code::not_in_room, 2));
        mallory.part(room(7));
        const auto parted = mallory.take_event<proto::left>(
            [&](const proto::left& l) { return l.session_id == id && l.room == room(7); });
        EXPECT_EQ(parted.reason, proto::leave_reason::parted);
        EXPECT_EQ(parted.seq, 2u) << "room 7's presence: mallory's JOIN, then this LEAVE";
        EXPECT_EQ(parted.online, 0u);
        mallory.join_room(room(cap));
        EXPECT_EQ(mallory.expect_reply<proto::room_entered>(),
                  (proto::room_entered{room(cap), 0, 1, 1}));

        mallory.list_rooms();
        const auto list = mallory.expect_reply<proto::room_list>();
        ASSERT_EQ(list.rooms.size(), cap);
        for (const proto::room_size& r : list.rooms)
            EXPECT_EQ(r.members, r.room == lobby ? 3u : 1u) << r.room;

        // BYE leaves every room, one LEAVE each.
        mallory.bye();
        std::set<std::string> left;
        while (left.size() < cap) {
            proto::left l;
            ASSERT_NO_THROW(l = mallory.take_event<proto::left>([id](const proto::left& e) {
                return e.session_id == id;
            })) << left.size()
                << " LEAVEs";
            EXPECT_EQ(l.reason, proto::leave_reason::quit);
            EXPECT_TRUE(left.insert(l.room).second) << "two LEAVEs in #" << l.room;
        }
    }
    s.finish({{"E_TOO_MANY_ROOMS", 1}, {"E_NOT_IN_ROOM", 1}});
    // What alice heard of mallory, room by room: one JOIN in each room entered (the lobby, 31
    // rooms and the last), room 7's line, and a LEAVE for each room left.
    std::map<std::string, std::string> heard;
    for (const seen_event& e : s.chat.alice_saw())
        if (e.name == "mallory")
            heard[e.room] += e.kind;
    EXPECT_EQ(heard.size(), cap + 1);
    for (std::uint32_t i = 1; i <= cap; ++i)
        EXPECT_EQ(heard[room(i)], i == 7 ? "JLX" : "JX") << room(i);
    EXPECT_EQ(heard[lobby], "JX");
}

// An attacker who opens room after room cannot grow the broker's table of rooms past --max-rooms
// (PROTOCOL.md section 11a): to open one more, the broker forgets an empty room, whose numbering
// starts again if it is opened again, and never a room with members, such as the bystanders'
// lobby. Once every room kept has members, a JOIN of a new one draws E_TOO_MANY_ROOMS.
TEST(Rooms, RoomChurnIsBoundedByMaxRoomsAndNoRoomWithMembersIsForgotten) {
    constexpr std::uint32_t max_rooms = 20;
    constexpr std::uint32_t churn = 1000;
    // No rate limit, so the churn goes as fast as the broker takes it.
    scene s{{"--max-rooms", std::to_string(max_rooms), "--rate", "0"}};
    const auto room = [](std::string_view kind, std::uint32_t i) {
        return std::string{kind} + "-" + std::to_string(i);
    };
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto id = mallory.welcome()->session_id;
        // Each room entered and left at once: a ROOM for each JOIN, nothing for a PART.
        for (std::uint32_t i = 0; i < churn; ++i) {
            mallory.join_room(room("churn", i));
            mallory.part(room("churn", i));
        }
        // A room opened once rooms were forgotten numbers in a later generation (the high bits).
        std::uint64_t last_generation = 0;
        for (std::uint32_t i = 0; i < churn; ++i) {
            proto::room_entered entered;
            ASSERT_NO_THROW(entered = mallory.expect_reply<proto::room_entered>()) << i;
            const std::uint64_t start = proto::room_generation(entered.seq)
                                        << proto::room_generation_shift;
            EXPECT_EQ(entered, (proto::room_entered{room("churn", i), start, start + 1, 1}));
            EXPECT_GE(proto::room_generation(start), last_generation) << i;
            last_generation = proto::room_generation(start);
        }
        EXPECT_GT(last_generation, 0u);
        // The last room left is kept and goes on counting; the first was forgotten long ago and
        // opens again in a generation above every one before.
        mallory.join_room(room("churn", churn - 1));
        const auto kept = mallory.expect_reply<proto::room_entered>();
        EXPECT_EQ(kept.roster_version - kept.seq, 3u);
        mallory.join_room(room("churn", 0));
        const auto reopened = mallory.expect_reply<proto::room_entered>();
        EXPECT_EQ(reopened.roster_version - reopened.seq, 1u);
        EXPECT_GT(proto::room_generation(reopened.seq), last_generation);
        // With the lobby, mallory's rooms fill every place the broker has.
        for (std::uint32_t i = 3; i < max_rooms; ++i) {
            mallory.join_room(room("full", i));
            EXPECT_EQ(mallory.expect_reply<proto::room_entered>().room, room("full", i));
        }
        mallory.join_room("one-more");
        const auto refused = recv_reply(mallory.dealer(), 3000ms);
        ASSERT_TRUE(is_error(refused, error_code::too_many_rooms)) << describe(refused);
        EXPECT_NE(std::get<proto::error>(*refused).reason.find("server keeps 20 rooms"),
                  std::string::npos)
            << describe(refused);
        // An empty room makes the place.
        mallory.part(room("full", 3));
        mallory.join_room("one-more");
        const auto one_more = mallory.expect_reply<proto::room_entered>();
        EXPECT_EQ(one_more.room, "one-more");
        EXPECT_EQ(one_more.roster_version - one_more.seq, 1u);
        mallory.list_rooms();
        const auto list = mallory.expect_reply<proto::room_list>();
        EXPECT_EQ(list.rooms.size(), max_rooms);
        const auto lobby_entry =
            std::find_if(list.rooms.begin(), list.rooms.end(),
                         [](const proto::room_size& r) { return r.room == lobby; });
        ASSERT_NE(lobby_entry, list.rooms.end());
        EXPECT_EQ(lobby_entry->members, 3u);
        mallory.bye();
        std::set<std::string> left;
        while (left.size() < max_rooms) {
            proto::left l;
            ASSERT_NO_THROW(l = mallory.take_event<proto::left>([id](const proto::left& e) {
                return e.session_id == id;
            })) << left.size()
                << " LEAVEs";
            if (l.reason == proto::leave_reason::quit)
                left.insert(l.room);
        }
    }
    s.finish({{"E_TOO_MANY_ROOMS", 1}});
    // alice heard every room mallory entered and left, the reopened ones in later generations.
    std::size_t joins = 0;
    for (const seen_event& e : s.chat.alice_saw())
        if (e.name == "mallory" && e.kind == 'J')
            ++joins;
    EXPECT_EQ(joins, 1 + churn + 2 + (max_rooms - 3) + 1);
}

// libzmq closes a connection whose frame header announces more than ZMQ_MAXMSGSIZE; a command is
// one frame, so the message never reaches the broker, no ERROR is possible and nothing is
// counted. The client's DEALER reconnects under a new routing id: to the broker a stranger, while
// the old session expires. A command of exactly the maximum is refused by the text rule instead
// (messages_test, TextFillingTheLargestCommand).
TEST(Frames, AFrameOverTheMaximumDropsTheConnectionWithoutAReply) {
    // Sessions expire after 2 s of silence: soon, yet far beyond any stall of the bystanders.
    scene s{{"--heartbeat-ms", "100", "--liveness", "20"}};
    {
        test::test_client mallory(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(mallory.join("mallory"));
        const auto id = mallory.welcome()->session_id;
        {
            connection_watch watch(s.ctx, mallory.dealer());
            const std::size_t say_overhead =
                proto::encode(proto::command{proto::say{{}, lobby, 1, ""}}).front().size();
            mallory.say(1, std::string(max_command_bytes + 1 - say_overhead, 'x'));
            EXPECT_TRUE(watch.wait_for(ZMQ_EVENT_DISCONNECTED, 5000ms));
            EXPECT_TRUE(watch.wait_for(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 5000ms));
        }
        EXPECT_EQ(recv_reply(mallory.dealer(), silence), std::nullopt);
        mallory.say(2, "after the drop");
        EXPECT_TRUE(next_error_is(mallory.dealer(), error_code::not_joined, 2));
        const auto left = mallory.take_event<proto::left>(
            [id](const proto::left& l) { return l.session_id == id; });
        EXPECT_EQ(left.reason, proto::leave_reason::timed_out);

        raw_peer giant(s.ctx, s.broker.router());
        connection_watch watch(s.ctx, giant.socket());
        giant.send(body("HELLO").text(std::string(1 << 20, 'g')).u8(0));
        EXPECT_TRUE(watch.wait_for(ZMQ_EVENT_DISCONNECTED, 5000ms));
        EXPECT_EQ(giant.recv_reply(silence), std::nullopt);
    }
    const auto t = s.finish({{"E_NOT_JOINED", 1}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->expired, 1u);
}

// A14: the broker holds --max-clients sessions, pending and joined; the rest get
// E_SERVER_FULL. Two rounds of 5,000 HELLOs, each from a connection of its own: holders fill
// the broker, guests are refused, the holders leave, and the second round goes as the first.
// Guests come in batches of open connections, so the descriptors in use stay bounded.
TEST(Connections, TenThousandHellosFillTheBrokerThenDrawServerFull) {
    constexpr std::size_t max_clients = 100;
    constexpr std::size_t rounds = 2;
    constexpr std::size_t hellos_per_round = 5000;
    // alice and bob hold two of the sessions.
    constexpr std::size_t holders = max_clients - 2;
    constexpr std::size_t guests = hellos_per_round - holders;
    // Holders say nothing once joined, so liveness must outlast the case.
    scene s{{"--max-clients", std::to_string(max_clients), "--liveness", "60"}};
    for (std::size_t round = 0; round < rounds; ++round) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < holders; ++i)
            names.push_back("holder-" + std::to_string(round) + "-" + std::to_string(i));
        std::optional<crowd> full_house;
        ASSERT_NO_THROW(full_house.emplace(s.ctx, s.broker, names)) << "round " << round;
        std::size_t refused = 0;
        std::size_t admitted = 0;
        for (std::size_t start = 0; start < guests; start += connect_batch) {
            std::vector<proto::frame_list> hellos;
            for (std::size_t i = start; i < std::min(start + connect_batch, guests); ++i)
                hellos.push_back(
                    hello_frames("guest-" + std::to_string(round) + "-" + std::to_string(i)));
            for (const auto& r : first_replies(s.ctx, s.broker.router(), hellos)) {
                if (is_error(r, error_code::server_full))
                    ++refused;
                else if (++admitted <= 3)
                    ADD_FAILURE() << "a guest got " << describe(r);
            }
        }
        EXPECT_EQ(refused, guests) << "round " << round;
        ASSERT_NO_THROW(full_house->leave()) << "round " << round;
    }
    s.finish({{"E_SERVER_FULL", rounds * guests}});
}

// F7: connections that vanish without BYE: bare ones (a refused WHO, then gone), pending joins
// (forgotten 5 s after their HELLO) and joined sessions (expired after liveness x heartbeat).
// Afterwards the broker's descriptors are back to the baseline, its memory bounded, the online
// count right and every departure accounted for.
TEST(Connections, ThousandsOfCyclesWithoutByeLeaveNoTrace) {
    constexpr std::size_t bare = 2000;
    constexpr std::size_t pending = 2000;
    constexpr std::size_t vanished = 200;
    // Sessions expire after 2 s of silence: soon, yet far beyond any stall of the bystanders.
    scene s{{"--heartbeat-ms", "100", "--liveness", "20"}};
    const auto who = proto::encode(proto::command{proto::who{proto::session_secret{}, lobby}});
    for (std::size_t start = 0; start < bare; start += connect_batch) {
        const std::vector<proto::frame_list> whos(std::min(connect_batch, bare - start), who);
        for (const auto& r : first_replies(s.ctx, s.broker.router(), whos))
            ASSERT_TRUE(is_error(r, error_code::not_joined)) << describe(r);
    }
    for (std::size_t start = 0; start < pending; start += connect_batch) {
        std::vector<proto::frame_list> hellos;
        for (std::size_t i = start; i < std::min(start + connect_batch, pending); ++i)
            hellos.push_back(hello_frames("churn-" + std::to_string(i)));
        for (const auto& r : first_replies(s.ctx, s.broker.router(), hellos))
            ASSERT_TRUE(r && std::holds_alternative<proto::welcome>(*r)) << describe(r);
    }
    // Sent after every pending join above was welcomed, so it is the last to be forgotten.
    const auto marker = first_replies(s.ctx, s.broker.router(), {hello_frames("churn-marker")});
    ASSERT_TRUE(marker[0] && std::holds_alternative<proto::welcome>(*marker[0]));
    for (std::size_t start = 0; start < vanished; start += 50) {
        std::vector<std::string> names;
        for (std::size_t i = start; i < start + 50; ++i)
            names.push_back("vanish-" + std::to_string(i));
        // Joined, then gone without a word when the crowd is destroyed.
        ASSERT_NO_THROW(crowd vanishing(s.ctx, s.broker, names));
    }
    // alice has seen bob's JOIN, and each vanished session's JOIN and its LEAVE.
    EXPECT_TRUE(s.chat.wait_presence(1 + vanished, vanished, 10s))
        << s.chat.joins_seen() << " joins, " << s.chat.leaves_seen() << " leaves";
    std::uint64_t taken = 0;
    {
        raw_peer poller(s.ctx, s.broker.router());
        const auto deadline = clock::now() + 15s;
        for (;;) {
            poller.send(hello_frames("churn-marker"));
            const auto r = poller.recv_reply(3000ms);
            if (const auto* w = r ? std::get_if<proto::welcome>(&*r) : nullptr) {
                poller.send(proto::encode(proto::command{proto::bye{w->secret}}));
                break;
            }
            ASSERT_TRUE(is_error(r, error_code::name_taken)) << describe(r);
            ++taken;
            ASSERT_LT(clock::now(), deadline) << "the pending joins were never forgotten";
            // Well under the ERROR cap, so every refusal is answered and counted here.
            std::this_thread::sleep_for(500ms);
        }
    }
    std::vector<std::string> roster;
    std::map<std::string, std::uint64_t> refused{{"E_NOT_JOINED", bare}};
    if (taken > 0)
        refused["E_NAME_TAKEN"] = taken;
    const auto t = s.finish(refused, 5000ms, &roster);
    ASSERT_TRUE(t);
    EXPECT_EQ(roster, (std::vector<std::string>{"alice", "bob", "probe"}));
    EXPECT_EQ(t->expired, vanished);
    const auto log = test::log_entries(s.broker.process());
    EXPECT_EQ(static_cast<std::size_t>(std::count_if(log.begin(), log.end(),
                                                     [](const std::string& line) {
                                                         return line.starts_with(
                                                             "WARN join-abandoned name=churn-");
                                                     })),
              pending + 1);
}

// RELIABILITY.md A18: a subscriber that subscribes to 10,000 distinct 4 KiB prefixes, then drops
// them all. The broker keeps serving meanwhile. libzmq's subscription trie costs about 13 KB a
// prefix, and what it frees afterwards glibc keeps (the broker hands memory back after bursts
// of its own sends, and a PUB socket does not show it subscriptions), so RSS is not held to the
// baseline here: PROTOCOL.md section 14 documents the limit and the allowlist as the mitigation.
// Under AddressSanitizer the trie's 40 MB take the broker's thread some 15 s to build and tear
// down, longer than the oracles wait, and even 1,000 prefixes once outlasted the final probe's
// 3 s while other tests shared the machine, so that build hoards 300.
TEST(Subscriptions, TenThousandLongPrefixesComeAndGoAndTheBrokerKeepsServing) {
    constexpr int prefix_count = built_with_address_sanitizer ? 300 : 10000;
    scene s;
    s.rss_bounded = false;
    {
        zmq::socket_t hoarder(s.ctx, zmq::socket_type::sub);
        hoarder.set(zmq::sockopt::linger, 0);
        hoarder.connect(s.broker.pub());
        std::vector<std::string> prefixes;
        for (int i = 0; i < prefix_count; ++i)
            prefixes.push_back(std::to_string(i) + std::string(4096, 'p'));
        for (const auto& p : prefixes)
            hoarder.set(zmq::sockopt::subscribe, p);
        // While they are all in force, a newcomer still joins, speaks and is answered.
        test::test_client newcomer(s.ctx, s.broker.router(), s.broker.pub(), fast_join());
        ASSERT_NO_THROW(newcomer.join("newcomer"));
        newcomer.say(1, "still served");
        EXPECT_NO_THROW(newcomer.expect_reply<proto::ack>());
        newcomer.bye();
        for (const auto& p : prefixes)
            hoarder.set(zmq::sockopt::unsubscribe, p);
    }
    s.finish({});
}

// A plain TCP connection to `endpoint` ("tcp://127.0.0.1:PORT"), or -1.
int tcp_connect(const std::string& endpoint) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port =
        htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))));
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
        return fd;
    if (fd >= 0)
        ::close(fd);
    return -1;
}

// RELIABILITY.md A16/S4: peers that never finish the ZMTP greeting (silent, or speaking HTTP)
// are closed by the broker within its handshake timeout (5 s), and serve nobody meanwhile.
TEST(Connections, PeersStalledInTheHandshakeAreClosedAndOthersAreServed) {
    scene s;
    std::vector<int> stalled;
    for (int i = 0; i < 100; ++i) {
        const int fd = tcp_connect(s.broker.router());
        ASSERT_GE(fd, 0);
        if (i % 2 == 1) {
            const std::string http = "GET / HTTP/1.1\r\n";
            ASSERT_EQ(::write(fd, http.data(), http.size()), static_cast<ssize_t>(http.size()));
        }
        stalled.push_back(fd);
    }
    std::size_t closed_by_broker = 0;
    const auto deadline = clock::now() + 10s;
    for (const int fd : stalled) {
        // Read until the broker closes: its greeting comes first, then EOF or a reset.
        for (;;) {
            pollfd item{fd, POLLIN, 0};
            const auto left = std::chrono::ceil<milliseconds>(deadline - clock::now());
            if (::poll(&item, 1, static_cast<int>(std::max<long>(0, left.count()))) <= 0)
                break;
            char buffer[256];
            if (::read(fd, buffer, sizeof buffer) <= 0) {
                ++closed_by_broker;
                break;
            }
        }
        ::close(fd);
    }
    EXPECT_EQ(closed_by_broker, stalled.size());
    EXPECT_TRUE(s.finish({}));
}

} // namespace
} // namespace zchat::hostile
