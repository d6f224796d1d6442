#include "tools/bench/worker.hpp"

#include "tools/bench/online_counts.hpp"
#include "tools/bench/pacing.hpp"
#include "tools/bench/payload.hpp"
#include "tools/bench/ready_set.hpp"
#include "tools/bench/zmtp_connection.hpp"

#include "client/conversation.hpp"
#include "proto/codec.hpp"

#include <time.h>

#include <algorithm>
#include <cassert>
#include <optional>
#include <vector>

namespace zchat::bench {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// How often idle clients are checked for a due PING, and the longest poll.
constexpr auto sweep_interval = std::chrono::milliseconds(20);
constexpr auto baseline_hello_interval = std::chrono::milliseconds(100);
constexpr auto bye_linger = std::chrono::milliseconds(500);
// Publishers' lines due within this long of a burst's first line leave with it (pacing.hpp):
// short beside the latencies measured, long enough that a publisher does not wake for every line.
constexpr auto send_quantum = std::chrono::microseconds(100);
// Clients of one worker that may be joining at once. Each join is announced to every client,
// so thousands joining in the same instant queue thousands of JOINs ahead of each probe, and
// zchat-broker gives up on a join its probe does not confirm within 5 s; people do not all
// press enter in the same millisecond either.
constexpr std::size_t max_joins_in_flight = 100;
// zchat-broker forgets a join whose probe is not answered within 5 s (its probes can queue
// behind thousands of JOINs when thousands join); a client still without its probe after this
// long starts again on new connections, as zchat-client does.
constexpr auto zchat_join_retry = std::chrono::seconds(8);

nanoseconds now_ns() {
    return clock::now().time_since_epoch();
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::uint64_t as_ns(nanoseconds d) {
    return d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
}

// The conversation's clock is the bench's: both are steady_clock.
client::conversation::clock::time_point at(nanoseconds t) {
    return client::conversation::clock::time_point{
        std::chrono::duration_cast<client::conversation::clock::duration>(t)};
}

struct sim_client {
    // Its DEALER and SUB, spoken directly: libzmq's would cost the bench about what the broker's
    // ROUTER and PUB cost the broker (tools/bench/zmtp.hpp).
    zmtp_connection dealer;
    zmtp_connection sub;
    std::string name;
    std::optional<std::uint32_t> publisher; // global publisher index
    std::uint32_t room_index = 0;           // the one room it joins (room_of_client)
    // What zchat-client decides, decided by the same code: the join, the READY, when to PING,
    // the lines awaiting an ACK and the event sequence. It prints nothing here.
    client::conversation room{std::string{proto::default_room}, client::narration::off};
    // The join's READY went out; until then a join that stalls is started again.
    bool ready_sent = false;
    std::string probe_topic;
    nanoseconds last_hello{};
    // Next line to send (publishers), and the highest message id seen from each publisher.
    std::uint64_t next_line = 0;
    // A line composed but refused by its connection's full queue: it goes first, unchanged.
    std::optional<proto::say> unsent;
    std::vector<std::uint64_t> last_id_from;
    // Churn: when this client's current join was due.
    std::optional<nanoseconds> rejoin_due;
};

class swarm {
public:
    swarm(const worker_config& config, const worker_hooks& hooks) : cfg_(config), hooks_(hooks) {
        result_.target = config.one_hop ? "one-hop" : config.baseline ? "baseline" : "zchat";
        result_.offered_rate = config.rate;
        result_.clients = config.clients;
        result_.publishers = config.publishers;
        result_.rooms = config.rooms;
        result_.payload_bytes = std::max(config.payload_bytes, min_payload_bytes);
    }

    run_result run() {
        open();
        join();
        hooks_.joined();
        const nanoseconds start = wait_for_start();
        if (cfg_.publishers > 0 && cfg_.rate > 0)
            schedule_.emplace(start, cfg_.rate, cfg_.publishers);
        else if (cfg_.churn_rate > 0)
            churn_schedule_.emplace(start, cfg_.churn_rate, 1);
        measure(start);
        leave();
        return std::move(result_);
    }

private:
    void open() {
        clients_.reserve(cfg_.clients);
        if (cfg_.churn_rate > 0) {
            // Watches every JOIN and LEAVE in the rooms the bench's clients join, to check the
            // online count each one announces (another room's count is another count).
            monitor_ = zmtp_connection(cfg_.pub_endpoint, "SUB");
            for (std::uint32_t r = 0; r < cfg_.rooms; ++r)
                monitor_.subscribe(proto::presence_topic(room_name(r, cfg_.rooms)));
        }
        for (std::uint32_t i = 0; i < cfg_.clients; ++i) {
            sim_client c;
            if (i < cfg_.local_publishers)
                c.publisher = cfg_.first_publisher + i;
            c.room_index = room_of_client(cfg_, i);
            clients_.push_back(std::move(c));
            connect(i, cfg_.name_prefix + std::to_string(cfg_.first_client + i));
        }
        if (monitor_)
            ready_.add(monitor_.fd(), monitor_key());
    }

    // Keys of the sockets in ready_: client i's DEALER is 2i, its SUB 2i + 1, the monitor last.
    std::uint64_t dealer_key(const sim_client& c) const {
        return 2 * static_cast<std::uint64_t>(&c - clients_.data());
    }
    std::uint64_t sub_key(const sim_client& c) const { return dealer_key(c) + 1; }
    std::uint64_t monitor_key() const { return 2 * static_cast<std::uint64_t>(cfg_.clients); }

    // (Re)creates client i's sockets under a name and connects them; the client is then
    // joining, and a HELLO has still to be sent.
    void connect(std::size_t i, std::string name) {
        sim_client& c = clients_[i];
        if (c.dealer) {
            ready_.remove(c.dealer.fd());
            ready_.remove(c.sub.fd());
        }
        c.sub = zmtp_connection(cfg_.pub_endpoint, "SUB");
        c.dealer = zmtp_connection(cfg_.router_endpoint, "DEALER");
        c.name = std::move(name);
        const std::string room = room_name(c.room_index, cfg_.rooms);
        c.room = client::conversation(room, client::narration::off);
        c.room.start_attempt();
        c.ready_sent = false;
        c.probe_topic.clear();
        c.unsent.reset();
        c.last_id_from.assign(cfg_.publishers, 0);
        if (cfg_.baseline) {
            // The forwarder answers every HELLO with the same WELCOME, zeros where zchat has a
            // session, and its PROBE (under the client's name) may overtake that WELCOME: the
            // client takes it as given from the start.
            c.room.welcome(proto::welcome{.name = c.name, .room = room});
            c.probe_topic = std::string{proto::topic::probe} + c.name + "/";
            c.sub.subscribe(c.probe_topic);
        }
        // Subscribed before the HELLO, so that once the probe arrives every other subscription
        // is in force too (zchat-client subscribes just after connecting, before its HELLO: the
        // same order on the wire). The broker's heartbeat and shutdown, as zchat-client takes
        // them, and only its own room's topics: a line is due to the clients of its room alone.
        for (const std::string_view topic : proto::topic::client_system)
            c.sub.subscribe(topic);
        for (const std::string& topic : {proto::chat_topic(room), proto::presence_topic(room)})
            c.sub.subscribe(topic);
        ready_.add(c.dealer.fd(), dealer_key(c));
        ready_.add(c.sub.fd(), sub_key(c));
    }

    // Churn: client i leaves (BYE) and joins again at once on new connections under a new
    // name, as a user who quits and comes back does.
    void churn(std::size_t i, nanoseconds due) {
        sim_client& c = clients_[i];
        send(c, proto::bye{c.room.secret()});
        c.dealer.finish(bye_linger);
        connect(i, cfg_.name_prefix + "x" + std::to_string(churned_));
        c.rejoin_due = due;
        if (in_window(due))
            ++result_.leaves;
        send_hello(c);
    }

    // Queues a command on the client's DEALER, to go with its next flush; false when the
    // broker is not taking what was queued before.
    bool queue(sim_client& c, const proto::command& command) {
        const auto frames = proto::encode(command);
        out_frames_.assign(frames.begin(), frames.end());
        if (!c.dealer.queue(out_frames_))
            return false;
        c.room.sent(at(now_ns()));
        return true;
    }

    bool send(sim_client& c, const proto::command& command) {
        if (!queue(c, command))
            return false;
        c.dealer.flush();
        return true;
    }

    void send_hello(sim_client& c) {
        send(c, proto::hello{c.name, c.room.current_room(), std::nullopt});
        c.last_hello = now_ns();
    }

    void join() {
        // Clients [0, started) have sent HELLO; more start as others finish joining.
        std::size_t started = 0;
        const auto deadline = now_ns() + cfg_.join_timeout;
        auto next_progress = now_ns();
        while (joined_ < clients_.size()) {
            for (; started < clients_.size() && started - joined_ < max_joins_in_flight; ++started)
                send_hello(clients_[started]);
            if (now_ns() > deadline)
                throw worker_error(std::to_string(clients_.size() - joined_) + " of " +
                                   std::to_string(clients_.size()) +
                                   " clients did not join within " +
                                   std::to_string(cfg_.join_timeout.count()) + " ms");
            wait_until(now_ns() + sweep_interval);
            const auto now = now_ns();
            for (std::size_t i = 0; i < started; ++i) {
                sim_client& c = clients_[i];
                if (cfg_.baseline && !joined(c) && now - c.last_hello >= baseline_hello_interval) {
                    send_hello(c);
                } else if (!cfg_.baseline && c.room.welcomed() && !c.ready_sent &&
                           now - c.last_hello >= zchat_join_retry) {
                    // Under another name: the broker may not have forgotten the first join yet
                    // (it counts from when it read the HELLO, which may have queued).
                    connect(i, c.name + "+");
                    send_hello(c);
                    ++join_retries_;
                }
            }
            ping_idle(now);
            if (now >= next_progress) {
                report_progress(
                    "joining: " + std::to_string(joined_) + "/" + std::to_string(clients_.size()) +
                    (join_retries_ > 0 ? " (" + std::to_string(join_retries_) + " joins retried)"
                                       : ""));
                next_progress = now + std::chrono::seconds(1);
            }
        }
    }

    // Keeps the joined clients alive until the start time is known.
    nanoseconds wait_for_start() {
        for (;;) {
            if (const auto start = hooks_.start_time())
                return *start;
            wait_until(now_ns() + sweep_interval);
            ping_idle(now_ns());
        }
    }

    void measure(nanoseconds start) {
        window_start_ = start + cfg_.warmup;
        window_end_ = window_start_ + cfg_.duration;
        bool measuring = false;
        double loop_cpu_start = 0;
        auto next_progress = now_ns() + std::chrono::seconds(1);
        // Lines due before the window ends are sent, late if need be; none after.
        std::vector<std::uint64_t> last_line(clients_.size(), 0);
        for (std::size_t i = 0; i < clients_.size(); ++i)
            if (clients_[i].publisher && schedule_)
                last_line[i] = schedule_->due(*clients_[i].publisher, window_end_ - nanoseconds(1));
        std::optional<nanoseconds> drain_deadline;
        for (;;) {
            const auto now = now_ns();
            if (!measuring && now >= window_start_) {
                measuring = true;
                loop_cpu_start = thread_cpu_seconds();
                hooks_.window(true);
            }
            if (measuring && now >= window_end_ && !drain_deadline) {
                result_.bench_loop_cpu_seconds = thread_cpu_seconds() - loop_cpu_start;
                hooks_.window(false);
                drain_deadline = now + cfg_.drain_timeout;
            }
            if (drain_deadline && (now >= *drain_deadline || complete(last_line)))
                break;
            nanoseconds next_due = now + sweep_interval;
            if (schedule_) {
                bool stuck = false; // a burst left, but no line in it
                if (const auto first = first_unsent(last_line);
                    first && bursts_.take(now, *first)) {
                    std::uint64_t sent = 0;
                    for (std::size_t i = 0; i < clients_.size(); ++i)
                        if (clients_[i].publisher)
                            sent += queue_due(clients_[i], now, last_line[i]);
                    stuck = sent == 0;
                }
                // What each publisher queued, in one write, with what the kernel did not take in
                // an earlier turn.
                for (auto& c : clients_)
                    if (c.publisher && c.dealer.pending())
                        c.dealer.flush();
                // A one-hop publisher only counts its lines: no need to wake for them. Lines the
                // broker takes none of are tried again a quantum later, not at once.
                if (const auto first = first_unsent(last_line); first && !cfg_.one_hop)
                    next_due = std::min(next_due, std::max(bursts_.leaves(*first),
                                                           stuck ? now + send_quantum : now));
            }
            if (churn_schedule_ && !drain_deadline) {
                const std::uint64_t due =
                    std::min(churn_schedule_->due(0, now),
                             churn_schedule_->due(0, window_end_ - nanoseconds(1)));
                for (; churned_ < due; ++churned_) {
                    const std::size_t i = churned_ % clients_.size();
                    const nanoseconds when = churn_schedule_->intended(0, churned_);
                    if (joined(clients_[i]))
                        churn(i, when);
                    else if (in_window(when))
                        ++result_.churn_skipped; // still joining from its last turn
                }
                next_due = std::min(next_due, churn_schedule_->intended(0, churned_));
            }
            ping_idle(now);
            if (now >= next_progress) {
                report_progress(progress_text(now));
                next_progress = now + std::chrono::seconds(1);
            }
            wait_until(next_due);
        }
        result_.seconds = std::chrono::duration<double>(cfg_.duration).count();
        // This worker's share of the lines due: its own publishers' lines, each due to every
        // client of its room, those of other workers included.
        if (schedule_)
            for (const auto& c : clients_)
                if (c.publisher) {
                    const auto [first, end] = window_lines(*c.publisher);
                    result_.lines_due += end - first;
                    result_.deliveries_due +=
                        (end - first) * room_members(cfg_, room_of_publisher(cfg_, *c.publisher));
                }
        if (first_error_)
            result_.first_error = *first_error_;
    }

    // The first line index in the window and one past the last, for publisher p.
    std::pair<std::uint64_t, std::uint64_t> window_lines(std::uint32_t p) const {
        return {schedule_->due(p, window_start_ - nanoseconds(1)),
                schedule_->due(p, window_end_ - nanoseconds(1))};
    }

    bool in_window(nanoseconds intended) const {
        return intended >= window_start_ && intended < window_end_;
    }

    // When the earliest line not yet sent by this worker's publishers is due; nothing once all
    // (up to their last_line) have gone or can never go (a publisher whose session was lost).
    std::optional<nanoseconds> first_unsent(const std::vector<std::uint64_t>& last_line) const {
        std::optional<nanoseconds> first;
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            const auto& c = clients_[i];
            if (c.publisher && c.next_line < last_line[i] && (cfg_.one_hop || c.room.welcomed())) {
                const nanoseconds due = schedule_->intended(*c.publisher, c.next_line);
                first = first ? std::min(*first, due) : due;
            }
        }
        return first;
    }

    // Queues the publisher's lines due by `now`, for the turn's one write (measure); returns how
    // many went.
    std::uint64_t queue_due(sim_client& c, nanoseconds now, std::uint64_t last_line) {
        const std::uint64_t due = std::min(schedule_->due(*c.publisher, now), last_line);
        const std::uint64_t first = c.next_line;
        if (cfg_.one_hop) {
            // The forwarder publishes this publisher's lines itself: there is no SAY to send and
            // no ACK to wait for, and every line due counts as sent and acknowledged.
            for (; c.next_line < due; ++c.next_line)
                if (in_window(schedule_->intended(*c.publisher, c.next_line))) {
                    ++result_.lines_sent;
                    ++result_.lines_acked;
                }
            return c.next_line - first;
        }
        while (c.next_line < due) {
            const nanoseconds intended = schedule_->intended(*c.publisher, c.next_line);
            if (!c.unsent) {
                if (!c.room.welcomed())
                    break; // the session is lost: the line is never sent
                const std::uint64_t id = c.next_line + 1;
                c.unsent = c.room.compose(
                    c.room.current_room(),
                    encode_payload({*c.publisher, id, as_ns(intended)}, cfg_.payload_bytes));
                // The payload names the line by the id the conversation gives it.
                assert(c.unsent->message_id == id);
            }
            if (!queue(c, *c.unsent))
                break; // the broker is not taking them: the line waits, and its latency grows
            c.unsent.reset();
            if (in_window(intended)) {
                ++result_.lines_sent;
                result_.send_lag.record(as_ns(now_ns() - intended));
            }
            ++c.next_line;
        }
        return c.next_line - first;
    }

    // Every line of this worker's publishers is sent and ACKed, and every subscriber here has
    // received the last line due in the window of every publisher in its room, those of other
    // worker processes included.
    bool complete(const std::vector<std::uint64_t>& last_line) const {
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            const auto& c = clients_[i];
            if (c.publisher && (c.next_line < last_line[i] || c.room.unacknowledged() > 0))
                return false;
        }
        for (const auto& c : clients_)
            if (!joined(c))
                return false;
        for (std::uint32_t p = 0; p < cfg_.publishers; ++p) {
            const std::uint64_t last = window_lines(p).second;
            for (const auto& sub : clients_)
                if (sub.room_index == room_of_publisher(cfg_, p) && sub.last_id_from[p] < last)
                    return false;
        }
        return true;
    }

    void ping_idle(nanoseconds now) {
        if (now - last_sweep_ < sweep_interval)
            return;
        last_sweep_ = now;
        for (auto& c : clients_) {
            // The forwarder keeps no sessions: there, a client heartbeats once it has joined.
            if ((cfg_.baseline && !joined(c)) || !c.room.ping_due(at(now)))
                continue;
            send(c, c.room.ping());
        }
    }

    // Waits until a socket has something to read or `due` passes, and handles what arrived.
    void wait_until(nanoseconds due) {
        const auto left = std::clamp(due - now_ns(), nanoseconds(0),
                                     std::chrono::duration_cast<nanoseconds>(sweep_interval));
        for (const std::uint64_t key : ready_.wait(left))
            check(key);
    }

    // Reads everything the connection under `key` holds.
    void check(std::uint64_t key) {
        if (key == monitor_key()) {
            drain_monitor();
            return;
        }
        sim_client& c = clients_[key / 2];
        if (key % 2 == 1)
            drain_sub(c);
        else
            drain_dealer(c);
    }

    void drain_dealer(sim_client& c) {
        while (c.dealer.receive(frames_)) {
            auto decoded = proto::decode_reply(frames_);
            if (auto* r = std::get_if<proto::reply>(&decoded))
                on_reply(c, *r);
        }
    }

    void on_reply(sim_client& c, const proto::reply& r) {
        const auto now = now_ns();
        if (const auto* w = std::get_if<proto::welcome>(&r)) {
            // Only an attempt's first WELCOME counts; a baseline client took its own as given.
            if (!c.room.welcome(*w))
                return;
            c.probe_topic = proto::probe_topic(w->session_id);
            c.sub.subscribe(c.probe_topic);
            return;
        }
        const auto* e = std::get_if<proto::error>(&r);
        if (e && !joined(c)) {
            if (!cfg_.baseline && e->code == proto::error_code::not_joined) {
                // The broker forgot this join before our READY came (its probe was late): the
                // join loop starts it again at once.
                c.ready_sent = false;
                c.last_hello = nanoseconds{};
                return;
            }
            throw worker_error(c.name + " could not join: " +
                               std::string{proto::error_name(e->code)} + ": " + e->reason);
        }
        // The ROOM reply may be what tells the client it is in, before its own JOIN arrives.
        const bool was_joined = c.room.joined();
        c.room.on_reply(r, unread_);
        if (!cfg_.baseline && !was_joined && c.room.joined())
            on_joined(c);
        if (const auto* a = std::get_if<proto::ack>(&r)) {
            if (!c.publisher || !schedule_)
                return;
            // An ACK of `count` confirms that many lines ending with its own: a publisher's
            // message ids are consecutive, so unless one between them was refused (counted
            // apart, below), they are the ids just below the one named.
            for (std::uint64_t id = a->message_id;
                 id > 0 && id + std::max<std::uint32_t>(a->count, 1) > a->message_id; --id) {
                const nanoseconds intended = schedule_->intended(*c.publisher, id - 1);
                if (in_window(intended)) {
                    ++result_.lines_acked;
                    result_.ack_latency.record(as_ns(now - intended));
                }
            }
        } else if (e) {
            if (c.publisher && schedule_ && e->message_id > 0 &&
                in_window(schedule_->intended(*c.publisher, e->message_id - 1)))
                ++result_.refused;
            if (!first_error_)
                first_error_ = std::string{proto::error_name(e->code)} + ": " + e->reason;
        }
    }

    void drain_sub(sim_client& c) {
        while (c.sub.receive(frames_)) {
            // Most messages hold LINEs only (a batch shares one topic), for which the headers say
            // all the bench checks.
            if (proto::decode_event_headers(frames_, min_payload_bytes, headers_) &&
                std::ranges::all_of(headers_, [](const proto::event_header& h) {
                    return h.kind == proto::event_kind::line;
                })) {
                for (const proto::event_header& h : headers_) {
                    count_missed(c, [&] { c.room.follow(h, unread_); });
                    on_line(c, h.text_head);
                }
                continue;
            }
            auto decoded = proto::decode_events(frames_);
            if (auto* events = std::get_if<std::vector<proto::event>>(&decoded))
                for (const proto::event& e : *events)
                    on_event(c, frames_.front(), e);
        }
    }

    // Each JOIN must announce one more user online in its room than the room's event before it,
    // each LEAVE one fewer: a room's presence events are sequenced, so its count is checked
    // event by event.
    void drain_monitor() {
        while (monitor_.receive(frames_)) {
            auto decoded = proto::decode_events(frames_);
            if (auto* events = std::get_if<std::vector<proto::event>>(&decoded))
                for (const proto::event& e : *events)
                    check_presence(e);
        }
    }

    void check_presence(const proto::event& e) {
        bool agrees = true;
        if (const auto* j = std::get_if<proto::joined>(&e))
            agrees = online_.record(j->room, j->online, 1);
        else if (const auto* l = std::get_if<proto::left>(&e))
            agrees = online_.record(l->room, l->online, -1);
        else
            return;
        ++result_.presence_events;
        if (!agrees)
            ++result_.online_mismatches;
        result_.initial_online = online_.initial();
        result_.final_online = online_.latest();
    }

    // Lets the conversation follow the event stream, and counts what it finds missing once the
    // client has joined: section 7 of PROTOCOL.md counts from the client's own JOIN, so the
    // event that joins it counts nothing. The forwarder numbers nothing.
    template <class Follow>
    void count_missed(sim_client& c, Follow follow) {
        const std::uint64_t missed = c.room.missed();
        const bool was_joined = joined(c);
        follow();
        if (!cfg_.baseline && was_joined && joined(c))
            result_.seq_gaps += c.room.missed() - missed;
    }

    void on_line(sim_client& c, std::string_view text) {
        const auto p = decode_payload(text);
        if (!p || !schedule_ || p->publisher >= cfg_.publishers || p->message_id == 0)
            return;
        const nanoseconds intended{static_cast<std::int64_t>(p->intended_ns)};
        if (in_window(intended)) {
            ++result_.deliveries;
            result_.e2e_latency.record(as_ns(now_ns() - intended));
        }
        // Lines of the window missing between the last one seen and this one.
        std::uint64_t& last = c.last_id_from[p->publisher];
        if (p->message_id > last + 1) {
            const auto [first, end] = window_lines(p->publisher);
            // Missing line indexes are last .. message_id - 2 (ids last+1 .. message_id-1).
            const std::uint64_t lo = std::max(last, first);
            const std::uint64_t hi = std::min(p->message_id - 1, end);
            if (hi > lo)
                result_.gap_loss += hi - lo;
        }
        last = std::max(last, p->message_id);
    }

    void on_event(sim_client& c, std::string_view topic, const proto::event& e) {
        if (const auto* pr = std::get_if<proto::probe>(&e)) {
            if (topic != c.probe_topic || c.ready_sent)
                return;
            const auto ready = c.room.answer(*pr, unread_);
            if (!ready)
                return;
            send(c, *ready);
            c.sub.unsubscribe(c.probe_topic);
            c.ready_sent = true;
            if (cfg_.baseline)
                ++joined_;
            return;
        }
        // The forwarder announces every join as session 0, the id of the WELCOME a baseline
        // client took as given: its conversation would take anyone's JOIN for its own, and then
        // no longer answer its probe. Nor does the forwarder number its events.
        if (cfg_.baseline)
            return;
        const bool was_joined = c.room.joined();
        count_missed(c, [&] { c.room.on_event(e, unread_); });
        if (!was_joined && c.room.joined())
            on_joined(c);
    }

    // Whether the client counts as joined: zchat announced its own JOIN or, against the forwarder,
    // which announces every join anonymously, its READY went out.
    bool joined(const sim_client& c) const {
        return cfg_.baseline ? c.ready_sent : c.room.joined();
    }

    // zchat announced this client's own JOIN.
    void on_joined(sim_client& c) {
        ++joined_;
        if (c.rejoin_due && in_window(*c.rejoin_due)) {
            ++result_.joins;
            result_.join_latency.record(as_ns(now_ns() - *c.rejoin_due));
        }
        c.rejoin_due.reset();
    }

    std::string progress_text(nanoseconds now) const {
        const char* stage = now < window_start_ ? "warmup"
                            : now < window_end_ ? "measure"
                                                : "drain";
        return std::string{stage} + ": " + std::to_string(result_.lines_sent) + " lines sent, " +
               std::to_string(result_.deliveries) + " delivered";
    }

    void report_progress(const std::string& text) const {
        if (hooks_.progress)
            hooks_.progress(text);
    }

    void leave() {
        for (auto& c : clients_) {
            if (c.room.welcomed() && !cfg_.baseline)
                send(c, proto::bye{c.room.secret()});
        }
        // What the kernel did not take at once goes before the connections close.
        const auto linger_end = now_ns() + bye_linger;
        for (auto& c : clients_)
            c.dealer.finish(std::chrono::duration_cast<std::chrono::milliseconds>(
                std::max(linger_end - now_ns(), nanoseconds(0))));
        // With churn, the monitor waits (boundedly) for every LEAVE, so each room's final online
        // count can be compared with the one before the bench's clients came.
        const auto deadline = now_ns() + std::chrono::seconds(3);
        while (monitor_ && now_ns() < deadline && !online_.settled())
            wait_until(now_ns() + sweep_interval);
        clients_.clear();
    }

    worker_config cfg_;
    worker_hooks hooks_;
    std::vector<sim_client> clients_;
    ready_set ready_;
    std::size_t joined_ = 0;
    std::size_t join_retries_ = 0; // joins started again after their probe never came
    std::optional<pacing> schedule_;
    bursts bursts_{send_quantum};
    std::optional<pacing> churn_schedule_;
    std::uint64_t churned_ = 0;
    zmtp_connection monitor_;
    online_counts online_; // what the monitor has seen, room by room
    nanoseconds window_start_{};
    nanoseconds window_end_{};
    nanoseconds last_sweep_{};
    run_result result_;
    std::optional<std::string> first_error_;
    std::vector<std::string_view> frames_;     // of the message received last
    std::vector<proto::event_header> headers_; // of the message in frames_
    std::vector<std::string_view> out_frames_; // of the command being queued
    std::vector<client::printed> unread_;      // stays empty: the conversations do not narrate
};

} // namespace

run_result run_worker(const worker_config& config, const worker_hooks& hooks) {
    swarm s(config, hooks);
    return s.run();
}

} // namespace zchat::bench
