#include "tests/hostile/harness.hpp"

#include "tests/broker/test_client.hpp"
#include "tests/support/proc_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <regex>
#include <set>

// LeakSanitizer's suppressions for this test process only; the broker under test is checked in
// full at its exit. libzmq 4.3.4 now and then loses a few hundred bytes of its own bookkeeping
// (a handful of objects that point only at each other, allocated and dropped inside libzmq) when
// thousands of connections have come and gone in the client process, as in the churn case.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libzmq.so\n";
}

namespace zchat::hostile {

// ---- the broker's counters ----

std::optional<proto::stats> settled_stats(zmq::context_t& ctx, const std::string& pub,
                                          milliseconds timeout) {
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::subscribe, std::string{proto::topic_of(proto::stats{})});
    sub.connect(pub);
    // Anything this SUB hears was published after it subscribed, so after the call began. That
    // alone does not mean the broker had read everything a case sent (its ROUTER fair-queues the
    // connections), so wait until two STATS in a row count the same.
    const auto same_counts = [](const proto::stats& a, const proto::stats& b) {
        return a.events_published == b.events_published && a.lines_in == b.lines_in &&
               a.rooms == b.rooms && a.expired == b.expired && a.evicted == b.evicted &&
               a.rejected == b.rejected;
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<proto::stats> last;
    event_stream events(sub);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left =
            std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
        const auto e = events.next(std::max(left, milliseconds{1}));
        const auto* st = e ? std::get_if<proto::stats>(&*e) : nullptr;
        if (!st)
            return std::nullopt;
        if (last && same_counts(*last, *st))
            return *st;
        last = *st;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> errors_not_sent_in(const std::string& line) {
    static const std::regex totals_line(R"(^\S+ INFO stopped .* errors_not_sent=(\d+) .*$)");
    std::smatch m;
    if (!std::regex_match(line, m, totals_line))
        return std::nullopt;
    return std::stoull(m[1]);
}

std::size_t wait_fds_at_most(pid_t pid, std::size_t limit, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        const std::size_t n = test::open_fds(pid);
        if (n <= limit || clock::now() >= deadline)
            return n;
        // /proc offers nothing to wait on; re-read every 10 ms until the deadline.
        std::this_thread::sleep_for(10ms);
    }
}

// ---- raw_peer ----

namespace {

std::optional<proto::reply> decode(const proto::frame_list& frames) {
    const auto v = proto::views(frames);
    auto d = proto::decode_reply(v);
    if (const auto* bad = std::get_if<proto::decode_error>(&d)) {
        ADD_FAILURE() << "undecodable reply from the broker: " << bad->reason;
        return std::nullopt;
    }
    return std::get<proto::reply>(std::move(d));
}

} // namespace

std::optional<proto::reply> recv_reply(zmq::socket_t& s, milliseconds timeout) {
    auto frames = test::receive_frames(s, clock::now() + timeout);
    if (!frames)
        return std::nullopt;
    return decode(*frames);
}

raw_peer::raw_peer(zmq::context_t& ctx, const std::string& router_endpoint, int linger_ms)
    : dealer_(ctx, zmq::socket_type::dealer) {
    dealer_.set(zmq::sockopt::linger, linger_ms);
    // A broker that stops reading must fail the test, not hang it.
    dealer_.set(zmq::sockopt::sndtimeo, 5000);
    dealer_.connect(router_endpoint);
}

void raw_peer::send(const proto::frame_list& frames) {
    send_frames(dealer_, frames);
}

std::optional<proto::frame_list> raw_peer::recv(milliseconds timeout) {
    return test::receive_frames(dealer_, clock::now() + timeout);
}

std::optional<proto::reply> raw_peer::recv_reply(milliseconds timeout) {
    return hostile::recv_reply(dealer_, timeout);
}

std::vector<proto::reply> raw_peer::drain(milliseconds quiet, milliseconds cap_time) {
    std::vector<proto::reply> out;
    const auto stop = clock::now() + cap_time;
    while (clock::now() < stop) {
        auto r = recv_reply(quiet);
        if (!r)
            break;
        out.push_back(std::move(*r));
    }
    return out;
}

std::string describe(const std::optional<proto::reply>& r) {
    if (!r)
        return "no reply";
    if (const auto* e = std::get_if<proto::error>(&*r))
        return std::string{proto::error_name(e->code)} +
               " message_id=" + std::to_string(e->message_id) + " (" + e->reason + ")";
    if (std::holds_alternative<proto::welcome>(*r))
        return "WELCOME";
    if (std::holds_alternative<proto::ack>(*r))
        return "ACK";
    if (const auto* entered = std::get_if<proto::room_entered>(&*r))
        return "ROOM #" + entered->room;
    if (std::holds_alternative<proto::room_list>(*r))
        return "ROOMS";
    return "ROSTER";
}

::testing::AssertionResult next_error_is(zmq::socket_t& s, proto::error_code code,
                                         std::uint64_t message_id, milliseconds timeout) {
    const auto r = recv_reply(s, timeout);
    const auto* e = r ? std::get_if<proto::error>(&*r) : nullptr;
    if (e && e->code == code && e->message_id == message_id)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected " << proto::error_name(code)
                                         << " message_id=" << message_id << ", got " << describe(r);
}

std::optional<proto::event> event_stream::next(milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (pending_.empty()) {
        auto frames = test::receive_frames(sub_, deadline);
        if (!frames)
            return std::nullopt;
        const auto v = proto::views(*frames);
        auto d = proto::decode_events(v);
        if (const auto* bad = std::get_if<proto::decode_error>(&d)) {
            ADD_FAILURE() << "undecodable event from the broker: " << bad->reason;
            return std::nullopt;
        }
        for (auto& e : std::get<std::vector<proto::event>>(d))
            pending_.push_back(std::move(e));
    }
    proto::event e = std::move(pending_.front());
    pending_.pop_front();
    return e;
}

bool is_error(const std::optional<proto::reply>& r, proto::error_code code) {
    const auto* e = r ? std::get_if<proto::error>(&*r) : nullptr;
    return e && e->code == code;
}

// ---- many peers ----

std::vector<std::optional<proto::reply>>
first_replies(zmq::context_t& ctx, const std::string& router,
              const std::vector<proto::frame_list>& messages, milliseconds timeout) {
    std::vector<zmq::socket_t> dealers;
    dealers.reserve(messages.size());
    for (const auto& m : messages) {
        auto& d = dealers.emplace_back(ctx, zmq::socket_type::dealer);
        d.set(zmq::sockopt::linger, 0);
        d.connect(router);
        // Queued until the connection is up; a DEALER never blocks on its first message.
        send_frames(d, m);
    }
    std::vector<std::optional<proto::reply>> replies(messages.size());
    std::vector<zmq::pollitem_t> items;
    for (auto& d : dealers)
        items.push_back({d.handle(), 0, ZMQ_POLLIN, 0});
    std::size_t missing = messages.size();
    const auto deadline = clock::now() + timeout;
    while (missing > 0) {
        const auto left = std::chrono::ceil<milliseconds>(deadline - clock::now());
        if (left <= 0ms)
            break;
        zmq::poll(items.data(), items.size(), left);
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (replies[i] || !(items[i].revents & ZMQ_POLLIN))
                continue;
            if (auto r = recv_reply(dealers[i], 0ms)) {
                replies[i] = std::move(r);
                // Answered: out of the poll, so the next round waits only for the others.
                items[i].events = 0;
                --missing;
            }
        }
    }
    return replies;
}

crowd::crowd(zmq::context_t& ctx, const test::running_broker& broker,
             const std::vector<std::string>& names, milliseconds timeout)
    : sub_(ctx, zmq::socket_type::sub) {
    sub_.set(zmq::sockopt::linger, 0);
    sub_.set(zmq::sockopt::subscribe, std::string{proto::topic::probe});
    sub_.set(zmq::sockopt::subscribe, std::string{proto::topic::presence});
    sub_.connect(broker.pub());
    for (const auto& name : names) {
        auto& d = dealers_.emplace_back(ctx, zmq::socket_type::dealer);
        d.set(zmq::sockopt::linger, 0);
        d.connect(broker.router());
        send_frames(d, proto::encode(proto::command{
                           proto::hello{name, std::string{proto::default_room}, std::nullopt}}));
    }
    const auto deadline = clock::now() + timeout;
    std::map<std::uint64_t, std::size_t> member_of_session;
    for (std::size_t i = 0; i < dealers_.size(); ++i) {
        const auto left = std::chrono::ceil<milliseconds>(deadline - clock::now());
        const auto r = recv_reply(dealers_[i], std::max(left, 0ms));
        const auto* w = r ? std::get_if<proto::welcome>(&*r) : nullptr;
        if (!w)
            throw std::runtime_error("crowd: HELLO " + names[i] + " drew " + describe(r));
        member_of_session[w->session_id] = i;
        welcomes_.push_back(*w);
    }
    // The broker repeats each PROBE until its READY comes, so every member's probe reaches the
    // SUB once its subscription is in place; the JOINs follow the READYs.
    std::set<std::uint64_t> ready_sent;
    std::set<std::uint64_t> joined;
    while (joined.size() < dealers_.size()) {
        auto frames = test::receive_frames(sub_, deadline);
        if (!frames)
            throw std::runtime_error("crowd: " + std::to_string(joined.size()) + " of " +
                                     std::to_string(dealers_.size()) + " joined in time");
        const auto v = proto::views(*frames);
        auto d = proto::decode_events(v);
        const auto* events = std::get_if<std::vector<proto::event>>(&d);
        if (!events)
            throw std::runtime_error("crowd: undecodable event");
        for (const proto::event& e : *events) {
            if (const auto* p = std::get_if<proto::probe>(&e)) {
                const auto it = member_of_session.find(p->session_id);
                if (it != member_of_session.end() && ready_sent.insert(p->session_id).second)
                    send_frames(
                        dealers_[it->second],
                        proto::encode(proto::command{proto::ready{welcomes_[it->second].secret}}));
            } else if (const auto* j = std::get_if<proto::joined>(&e)) {
                if (member_of_session.contains(j->session_id))
                    joined.insert(j->session_id);
            }
        }
    }
    sub_.set(zmq::sockopt::unsubscribe, std::string{proto::topic::probe});
}

void crowd::leave(milliseconds timeout) {
    std::set<std::uint64_t> leaving;
    for (std::size_t i = 0; i < dealers_.size(); ++i) {
        send_frames(dealers_[i], proto::encode(proto::command{proto::bye{welcomes_[i].secret}}));
        leaving.insert(welcomes_[i].session_id);
    }
    const auto deadline = clock::now() + timeout;
    while (!leaving.empty()) {
        auto frames = test::receive_frames(sub_, deadline);
        if (!frames)
            throw std::runtime_error("crowd: " + std::to_string(leaving.size()) +
                                     " members' LEAVEs did not come in time");
        const auto v = proto::views(*frames);
        auto d = proto::decode_events(v);
        if (const auto* events = std::get_if<std::vector<proto::event>>(&d))
            for (const proto::event& e : *events)
                if (const auto* l = std::get_if<proto::left>(&e))
                    leaving.erase(l->session_id);
    }
}

connection_watch::connection_watch(zmq::context_t& ctx, zmq::socket_t& watched)
    : watched_(watched), events_(ctx, zmq::socket_type::pair) {
    static std::atomic<unsigned> next_id{0};
    const std::string endpoint = "inproc://hostile-watch-" + std::to_string(next_id++);
    if (zmq_socket_monitor(watched.handle(), endpoint.c_str(), ZMQ_EVENT_ALL) != 0)
        throw zmq::error_t();
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(endpoint);
}

connection_watch::~connection_watch() {
    zmq_socket_monitor(watched_.handle(), nullptr, 0);
}

bool connection_watch::wait_for(int event, milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (auto frames = test::receive_frames(events_, deadline)) {
        // The first frame is the event number (16 bits, native order) and a 32-bit value.
        std::uint16_t number = 0;
        if (!frames->empty() && frames->front().size() >= sizeof number)
            std::memcpy(&number, frames->front().data(), sizeof number);
        if (number == event)
            return true;
    }
    return false;
}

// ---- conversation ----

test::test_client_options fast_join() {
    test::test_client_options o;
    o.topics.push_back(std::string{proto::topic::probe});
    return o;
}

namespace {

std::unique_ptr<test::test_client> joined_client(zmq::context_t& ctx, const std::string& router,
                                                 const std::string& pub, const std::string& name) {
    auto c = std::make_unique<test::test_client>(ctx, router, pub, fast_join());
    c->join(name);
    // Every pending join is probed ten times a second; a bystander that kept hearing them all
    // could fall behind by the PUB's high-water mark during a flood of HELLOs.
    c->sub().set(zmq::sockopt::unsubscribe, std::string{proto::topic::probe});
    return c;
}

} // namespace

conversation::conversation(zmq::context_t& ctx, const std::string& router, const std::string& pub,
                           std::string alice, std::string bob) {
    speakers_[0].name = std::move(alice);
    speakers_[1].name = std::move(bob);
    // alice first, so that her SUB sees bob's JOIN; both are joined (their SUBs proven by the
    // probe handshake) before a line is said.
    auto a = joined_client(ctx, router, pub, speakers_[0].name);
    auto b = joined_client(ctx, router, pub, speakers_[1].name);
    secrets_[0] = a->welcome()->secret;
    secrets_[1] = b->welcome()->secret;
    clients_[0] = std::move(a);
    clients_[1] = std::move(b);
    thread_ = std::thread([this] {
        try {
            run();
        } catch (const std::exception& e) {
            fail(std::string{"the conversation thread failed: "} + e.what());
        }
    });
}

conversation::~conversation() {
    talking_.store(false);
    if (thread_.joinable())
        thread_.join();
}

void conversation::fail(const std::string& what) {
    if (failures_.size() < 20)
        failures_.push_back(what);
}

std::size_t conversation::lines_sent() const {
    return speakers_[0].sent.size() + speakers_[1].sent.size();
}

bool conversation::wait_presence(std::size_t joins, std::size_t leaves,
                                 milliseconds timeout) const {
    const auto deadline = clock::now() + timeout;
    while (joins_seen_.load() < joins || leaves_seen_.load() < leaves) {
        if (clock::now() >= deadline)
            return false;
        // The counters live in another thread; re-read them every 10 ms until the deadline.
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

void conversation::run() {
    constexpr milliseconds interval{50};
    int turn = 0;
    auto next_send = clock::now();
    while (talking_.load()) {
        const auto now = clock::now();
        if (now >= next_send) {
            speaker& sp = speakers_[turn];
            const std::uint64_t id = sp.next_id++;
            std::string text = "line " + std::to_string(id) + " from " + sp.name;
            send_frames(clients_[turn]->dealer(),
                        proto::encode(proto::command{proto::say{
                            secrets_[turn], std::string{proto::default_room}, id, text}}));
            sp.sent[id] = std::move(text);
            sp.sent_at[id] = now;
            ++lines_said_;
            turn ^= 1;
            next_send += interval;
            if (next_send < now)
                next_send = now + interval; // never catch up in a burst
        }
        pump(std::min(std::chrono::ceil<milliseconds>(next_send - clock::now()), interval));
    }
    const auto deadline = clock::now() + 10s;
    while (!complete() && clock::now() < deadline)
        pump(50ms);
    if (!complete())
        fail("after 10 s, ACKs or lines are still missing");
}

bool conversation::complete() const {
    std::uint64_t highest = 0;
    for (const auto& sp : speakers_) {
        if (!sp.sent_at.empty())
            return false;
        for (const auto& [id, seq] : sp.acked)
            highest = std::max(highest, seq);
    }
    for (const auto& l : listeners_) {
        const auto last = l.last_seq.find({std::string{proto::default_room}, 'c'});
        if (highest > 0 && (last == l.last_seq.end() || last->second < highest))
            return false;
    }
    return true;
}

void conversation::pump(milliseconds timeout) {
    std::array<zmq::pollitem_t, 4> items{{
        {clients_[0]->dealer().handle(), 0, ZMQ_POLLIN, 0},
        {clients_[1]->dealer().handle(), 0, ZMQ_POLLIN, 0},
        {clients_[0]->sub().handle(), 0, ZMQ_POLLIN, 0},
        {clients_[1]->sub().handle(), 0, ZMQ_POLLIN, 0},
    }};
    zmq::poll(items.data(), items.size(), std::max(timeout, 0ms));
    const auto now = clock::now();
    for (int who = 0; who < 2; ++who) {
        speaker& sp = speakers_[who];
        while (const auto frames = test::receive_frames(clients_[who]->dealer(), now)) {
            const auto v = proto::views(*frames);
            auto d = proto::decode_reply(v);
            const auto* r = std::get_if<proto::reply>(&d);
            const auto* ack = r ? std::get_if<proto::ack>(r) : nullptr;
            if (!ack) {
                std::optional<proto::reply> shown;
                if (r)
                    shown = *r;
                fail(sp.name + " got " + describe(shown) + " instead of an ACK");
                continue;
            }
            auto it = sp.sent_at.find(ack->message_id);
            if (it == sp.sent_at.end()) {
                fail(sp.name + " got an ACK for unknown or already ACKed message " +
                     std::to_string(ack->message_id));
                continue;
            }
            // A cumulative ACK confirms the SAY it names and the count - 1 unconfirmed ones
            // just before it, whose seqs it does not give (0 here).
            for (std::uint32_t confirmed = 0; confirmed < std::max(ack->count, 1u); ++confirmed) {
                worst_ack_ =
                    std::max(worst_ack_, std::chrono::ceil<milliseconds>(now - it->second));
                sp.acked[it->first] = confirmed == 0 ? ack->seq : 0;
                if (it == sp.sent_at.begin()) {
                    sp.sent_at.erase(it);
                    if (confirmed + 1 < ack->count)
                        fail(sp.name + " got an ACK of " + std::to_string(ack->count) +
                             " with fewer lines waiting");
                    break;
                }
                it = std::prev(sp.sent_at.erase(it));
            }
        }
    }
    for (int who = 0; who < 2; ++who) {
        listener& l = listeners_[who];
        while (const auto frames = test::receive_frames(clients_[who]->sub(), now)) {
            const auto v = proto::views(*frames);
            auto d = proto::decode_events(v);
            const auto* events = std::get_if<std::vector<proto::event>>(&d);
            if (!events) {
                fail(speakers_[who].name +
                     " got an undecodable event: " + std::get<proto::decode_error>(d).reason);
                continue;
            }
            // A batch's events are in order, so each is checked against the one before it in
            // its room's stream: LINEs in the room's chat sequence, JOINs and LEAVEs in its
            // presence sequence.
            for (const proto::event& e : *events) {
                seen_event s;
                if (const auto* ln = std::get_if<proto::line>(&e)) {
                    s = {ln->room, ln->seq, 'L', ln->sender, ln->message_id, ln->text, {}};
                } else if (const auto* j = std::get_if<proto::joined>(&e)) {
                    s = {j->room, j->seq, 'J', j->name, 0, {}, {}};
                    if (who == 0)
                        ++joins_seen_;
                } else if (const auto* x = std::get_if<proto::left>(&e)) {
                    s = {x->room, x->seq, 'X', x->name, 0, {}, x->reason};
                    if (who == 0)
                        ++leaves_seen_;
                } else {
                    continue; // SHUTDOWN: not sequenced
                }
                const char stream = s.kind == 'L' ? 'c' : 'p';
                const auto last = l.last_seq.find({s.room, stream});
                // A room forgotten by the broker and opened again counts on in a later generation
                // (PROTOCOL.md section 7); the lobby, where alice and bob stay, is never forgotten.
                const bool reopened =
                    last != l.last_seq.end() && s.room != proto::default_room &&
                    proto::room_generation(s.seq) > proto::room_generation(last->second);
                if (last != l.last_seq.end() && s.seq != last->second + 1 && !reopened)
                    fail(speakers_[who].name + " saw " + (stream == 'c' ? "chat" : "presence") +
                         " seq " + std::to_string(s.seq) + " after " +
                         std::to_string(last->second) + " in #" + s.room +
                         ": events lost, repeated or reordered");
                l.last_seq[{s.room, stream}] = s.seq;
                l.events.push_back(std::move(s));
            }
        }
    }
}

bool conversation::stop_and_check() {
    if (outcome_)
        return *outcome_;
    constexpr std::size_t least_lines = 4;
    const auto deadline = clock::now() + 10s;
    // The count lives in the conversation's thread; re-read it every 10 ms until the deadline.
    while (lines_said_.load() < least_lines && clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    talking_.store(false);
    if (thread_.joinable())
        thread_.join();
    bool ok = failures_.empty();
    for (const auto& f : failures_)
        ADD_FAILURE() << "bystanders: " << f;
    for (const auto& sp : speakers_) {
        for (const auto& [id, text] : sp.sent) {
            if (!sp.acked.contains(id)) {
                ADD_FAILURE() << "bystanders: " << sp.name << "'s line " << id << " was not ACKed";
                ok = false;
            }
        }
    }
    for (int who = 0; who < 2; ++who) {
        // The lobby's LINEs by sender and message id; an ACK that named the line also gave its
        // chat sequence number.
        std::map<std::pair<std::string, std::uint64_t>, const seen_event*> by_id;
        for (const auto& e : listeners_[who].events)
            if (e.kind == 'L' && e.room == proto::default_room)
                by_id[{e.name, e.message_id}] = &e;
        for (const auto& sp : speakers_) {
            for (const auto& [id, seq] : sp.acked) {
                const auto it = by_id.find({sp.name, id});
                const bool right = it != by_id.end() && (seq == 0 || it->second->seq == seq) &&
                                   it->second->text == sp.sent.at(id);
                if (!right) {
                    ADD_FAILURE() << "bystanders: " << speakers_[who].name << " did not see "
                                  << sp.name << "'s message " << id << " (seq " << seq
                                  << ", 0 if its ACK named a later one)";
                    ok = false;
                }
            }
        }
    }
    if (lines_sent() < least_lines) {
        ADD_FAILURE() << "bystanders: the conversation said only " << lines_sent() << " lines";
        ok = false;
    }
    outcome_ = ok;
    return ok;
}

// ---- probe_serves ----

std::vector<std::string> probe_serves(zmq::context_t& ctx, const std::string& router,
                                      const std::string& pub, const std::string& name,
                                      milliseconds welcome_within) {
    try {
        test::test_client_options o = fast_join();
        o.timeout = 3000ms;
        test::test_client c(ctx, router, pub, o);
        const auto t0 = clock::now();
        const std::string lobby{proto::default_room};
        c.send(proto::hello{name, lobby, std::nullopt});
        const auto w = c.expect_reply<proto::welcome>();
        const auto took = std::chrono::ceil<milliseconds>(clock::now() - t0);
        EXPECT_LE(took, welcome_within) << "O1: the probe's WELCOME took " << took.count() << " ms";
        // The join handshake of PROTOCOL.md section 8, as test_client::join does it.
        const auto id = w.session_id;
        c.sub().set(zmq::sockopt::subscribe, proto::probe_topic(id));
        c.take_event<proto::probe>([id](const proto::probe& e) { return e.session_id == id; });
        c.sub().set(zmq::sockopt::unsubscribe, proto::probe_topic(id));
        c.send(proto::ready{w.secret});
        const auto entered = c.expect_reply<proto::room_entered>();
        EXPECT_EQ(entered.room, lobby);
        c.take_event<proto::joined>([id](const proto::joined& j) { return j.session_id == id; });
        c.send(proto::say{w.secret, lobby, 1, "probe line"});
        const auto ack = c.expect_reply<proto::ack>();
        EXPECT_EQ(ack.message_id, 1u);
        c.send(proto::who{w.secret, lobby});
        auto roster = c.expect_reply<proto::roster>();
        c.send(proto::bye{w.secret});
        // Leave only when the broker has ended the session, so what follows sees it gone.
        c.take_event<proto::left>([id](const proto::left& l) { return l.session_id == id; });
        return std::move(roster.names);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "O1: the broker did not serve a fresh probe client: " << e.what();
        return {};
    }
}

// ---- small oracles ----

std::uint64_t error_cap(milliseconds elapsed) {
    return 10 +
           static_cast<std::uint64_t>(std::ceil(static_cast<double>(elapsed.count()) / 100.0)) + 1;
}

bool terminal_safe(const std::string& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto b = static_cast<unsigned char>(line[i]);
        if (b < 0x20 || b == 0x7F)
            return false;
        if (b == 0xC2 && i + 1 < line.size()) {
            const auto n = static_cast<unsigned char>(line[i + 1]);
            if (n >= 0x80 && n <= 0x9F)
                return false;
        }
    }
    return true;
}

// ---- scene ----

namespace {

// AddressSanitizer holds freed memory in quarantine (256 MiB by default), so a broker built with
// it grows in RSS whether or not it leaks; there LeakSanitizer judges leaks at the broker's exit,
// which count_and_stop requires to be clean.
constexpr bool rss_tells_growth = !built_with_address_sanitizer;
// How soon the probe must be welcomed after an attack: AddressSanitizer makes a broker still
// digesting one (ten thousand subscriptions, say) several times slower.
constexpr milliseconds probe_welcome_within = built_with_address_sanitizer ? 2500ms : 1000ms;

// At debug the log holds every chat line too, so the check that it holds no terminal control
// covers what the attackers said as well as their names.
test::broker_options broker_options(std::vector<std::string> case_args) {
    std::vector<std::string> args{"--stats-interval", "0.05", "--log-level", "debug"};
    args.insert(args.end(), case_args.begin(), case_args.end());
    return {.args = std::move(args), .drain = true};
}

std::optional<test::running_relay> relay_in_front(const test::running_broker& broker, route way) {
    if (way == route::direct)
        return std::nullopt;
    return std::optional<test::running_relay>(std::in_place, broker.router(), broker.pub());
}

} // namespace

scene::scene(std::vector<std::string> broker_args, route way)
    : broker(broker_options(std::move(broker_args))), relay(relay_in_front(broker, way)),
      chat(ctx, router(), pub()), fds_before(test::open_fds(broker.pid())),
      rss_before_kib(test::rss_kib(broker.pid())) {}

std::optional<totals> scene::finish(const std::map<std::string, std::uint64_t>& rejected,
                                    milliseconds fd_timeout, std::vector<std::string>* roster) {
    auto t = finish_uncounted(fd_timeout, roster);
    if (t) {
        EXPECT_EQ(t->rejected, rejected) << "O4: the broker's rejection counters";
    }
    return t;
}

std::optional<totals> scene::finish_uncounted(milliseconds fd_timeout,
                                              std::vector<std::string>* roster) {
    auto names = probe_serves(ctx, router(), pub(), "probe", probe_welcome_within);
    for (const char* who : {"alice", "bob", "probe"})
        EXPECT_NE(std::find(names.begin(), names.end(), who), names.end())
            << "O1: the probe's ROSTER lacks " << who;
    if (roster)
        *roster = std::move(names);
    const std::size_t fds = wait_fds_at_most(broker.pid(), fds_before, fd_timeout);
    EXPECT_LE(fds, fds_before) << "O3: the broker's descriptors did not return to the baseline";
    if (rss_tells_growth && rss_bounded) {
        const std::size_t rss = test::rss_kib(broker.pid());
        EXPECT_LE(rss, rss_before_kib + rss_slack_kib)
            << "O3: broker RSS grew from " << rss_before_kib << " KiB to " << rss << " KiB";
    }
    chat.stop_and_check();
    auto t = count_and_stop();
    // Every attacker and the probe are gone; alice and bob are still in the lobby.
    if (t) {
        EXPECT_EQ(t->rooms, 1u) << "O4: rooms with members besides the bystanders' lobby";
    }
    for (const test::stream s : {test::stream::out, test::stream::err})
        for (const auto& line : broker.process().lines(s))
            EXPECT_TRUE(terminal_safe(line)) << "the broker logged a terminal control: " << line;
    return t;
}

std::optional<totals> scene::count_and_stop() {
    // The bystanders and the probe are done and every attacker is gone, so STATS settles on the
    // whole case. One comes every twentieth of a second; allow for a loaded machine.
    const std::optional<proto::stats> st = settled_stats(ctx, broker.pub(), 5s);
    const std::optional<std::uint64_t> relay_answered =
        relay ? stop_relay() : std::optional<std::uint64_t>{0};
    const std::optional<int> code = broker.stop(10s);
    const test::child_process& proc = broker.process();
    EXPECT_EQ(code, std::optional<int>{0}) << "the broker did not exit cleanly on SIGINT; stderr:\n"
                                           << proc.text(test::stream::err);
    if (!st) {
        ADD_FAILURE() << "O4: the broker published no two STATS alike within 5 s";
        return std::nullopt;
    }
    totals t;
    t.events_published = st->events_published;
    t.rooms = st->rooms;
    t.lines_in = st->lines_in;
    t.expired = st->expired;
    t.evicted = st->evicted;
    for (const auto& [code_sent, count] : st->rejected)
        t.rejected[std::string{proto::error_name(code_sent)}] = count;
    std::optional<std::uint64_t> not_sent;
    for (const auto& line : proc.lines(test::stream::err)) {
        if ((not_sent = errors_not_sent_in(line)))
            break;
    }
    if (!not_sent) {
        const std::string out = proc.text(test::stream::err);
        ADD_FAILURE() << "the broker logged no parsable totals line; its log's tail:\n"
                      << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
        return std::nullopt;
    }
    t.errors_not_sent = *not_sent;
    if (!relay_answered)
        return std::nullopt;
    t.relay_answered = *relay_answered;
    return t;
}

std::optional<std::uint64_t> scene::stop_relay() {
    const std::optional<int> code = relay->stop(10s);
    const test::child_process& proc = relay->process();
    EXPECT_EQ(code, std::optional<int>{0}) << "the relay did not exit cleanly on SIGTERM; stderr:\n"
                                           << proc.text(test::stream::err);
    // "zchat-relay: carried 12 commands up and 12 replies down; answered 1 here, dropped 0"
    static const std::regex answered{"; answered ([0-9]+) here"};
    for (const std::string& line : proc.lines(test::stream::err)) {
        std::smatch m;
        if (std::regex_search(line, m, answered))
            return std::stoull(m[1]);
    }
    ADD_FAILURE() << "the relay logged no count of what it answered; stderr:\n"
                  << proc.text(test::stream::err);
    return std::nullopt;
}

} // namespace zchat::hostile
