// The client's view of its session and its rooms: turns what the broker says into lines to
// print, keeps track of the rooms it is in and the lines it sent until the broker acknowledges or
// refuses them, notices missed events in each room, decides when a heartbeat is due, and when the
// session has been lost and must be joined again.
//
// Pure logic, driven by the receive thread (session.hpp) and by the bench's simulated clients
// (tools/bench/worker.cpp), and tested without sockets. Time is an argument, never read here.
#pragma once

#include "proto/codec.hpp"
#include "proto/message.hpp"
#include "proto/printable.hpp"
#include "proto/sequence_tracker.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace zchat::client {

// How a printed line should look; the terminal decides what that means (colour or not).
// history: a line said before this client entered the room; detail: about the connection itself
// (where to, what the broker announced), for -v.
enum class style { chat, own, presence, notice, error, history, detail };

struct printed {
    style look = style::notice;
    std::string text;
    // For a line from the broker's history: how long before it arrived it was said, so that a
    // timestamp shows its own time rather than its arrival's. Nothing for every other line.
    std::optional<std::chrono::milliseconds> age{};
    // Who said the line, as its text shows the name, so that a terminal can give the name its
    // colour; empty for a line that is nobody's.
    std::string speaker{};
    // Whether the line is someone else's that names this client, or a private message to it:
    // a terminal makes it stand out and rings its bell.
    bool mentions_you = false;
    bool operator==(const printed&) const = default;
};

// Whether `text` names `name` as a word of its own, in any case of ASCII letters ("Alice:",
// "@alice", "hi alice!"; not "malice").
bool mentions(std::string_view text, std::string_view name);

// Whether a conversation produces the lines to print. A load generator simulating thousands of
// clients reads no lines, and skips the cost of writing them.
enum class narration { on, off };

// What a conversation asks the broker for besides the live stream (PROTOCOL.md, section 7a).
struct catch_up {
    // On entering a room afresh, fetch up to this many lines said before; 0 none.
    std::uint32_t history_lines = 0;
    // Fetch the lines missing from a room's chat, and show them in order before later ones.
    bool fill_gaps = false;
};

// Where the session stands. A join attempt goes joining -> joined; the broker or the network
// can then make it lost (join again) or ended (give up).
enum class link { joining, joined, lost, ended };

class conversation {
public:
    using clock = std::chrono::steady_clock;

    // `room` is the first room, which the HELLO names. With narration::off, no method appends
    // anything to its `out` argument.
    explicit conversation(std::string room, narration n = narration::on, catch_up c = {});

    // Starts a join attempt: a HELLO is about to be sent, naming current_room() and carrying
    // ticket() if there is one.
    void start_attempt();
    // Records the broker's WELCOME to the current attempt. Only the first one counts: returns
    // false, changing nothing, if the attempt has been welcomed already or is no longer joining.
    bool welcome(const proto::welcome& w);
    bool welcomed() const { return welcomed_; }
    link state() const { return state_; }
    bool joined() const { return state_ == link::joined; }
    // Whether this client has been joined at some point (so a new join is a reconnection).
    bool ever_joined() const { return ever_joined_; }
    // How the link stands, for the prompt of a terminal: "connecting" before the first join,
    // "reconnecting" from a lost session until the next is joined, else nothing.
    std::string_view status() const;
    // The last WELCOME. Requires welcomed() or a session lost since.
    const proto::welcome& session() const { return *session_; }
    // Proof of the last session, for taking it over after a reconnect.
    std::optional<proto::resume_ticket> ticket() const;

    // The rooms this client is in or is joining, in the order it joined them. The last one is
    // the current room, where typed lines go.
    std::vector<std::string> rooms() const;
    const std::string& current_room() const { return rooms_.back().name; }
    bool has_room(std::string_view room) const { return find(room) != nullptr; }
    // Starts joining `room` (a JOIN falls due: joins_due()), or, if this client is in it or
    // joining it already, only makes it the current room.
    void open_room(const std::string& room, std::vector<printed>& out);
    // Forgets `room` at once, so nothing more from it is shown, and makes the most recently
    // joined other room current. Returns whether the broker must be told (a PART): whether it
    // was entered or its JOIN sent. The client must keep at least one room: requires another.
    bool close_room(std::string_view room);
    // Rooms whose JOIN must be sent, oldest first: after a /join, or rejoining after a new
    // session.
    std::vector<std::string> joins_due() const;

    // The READY that answers a probe addressed to this session, if it still needs answering.
    // A resumed session counts as joined again from its probe, since no JOIN will come.
    std::optional<proto::ready> answer(const proto::probe& p, std::vector<printed>& out);
    // These build commands for the session, remembering what they await. Require welcomed().
    // A SAY for the text (or action), remembered until acknowledged or refused.
    // A `typed_id` other than 0 is reported by take_settled() once the line is acknowledged,
    // refused or lost with the connection.
    proto::say compose(const std::string& room, std::string text,
                       proto::line_kind kind = proto::line_kind::text, std::uint32_t typed_id = 0);
    // A MSG of the text to user `to`, remembered until acknowledged or refused.
    proto::private_say compose_private(const std::string& to, std::string text,
                                       std::uint32_t typed_id = 0);
    // The typed ids of the lines settled since the last call, in the order they were settled.
    std::vector<std::uint32_t> take_settled() { return std::exchange(settled_, {}); }
    // A WHO, remembered until the roster comes back.
    proto::who ask_roster(const std::string& room);
    // A ROOMS, remembered until the list comes back.
    proto::list_rooms ask_rooms();
    // The JOIN of a room that joins_due() names.
    proto::join join(const std::string& room);
    proto::part part(const std::string& room) const { return {session_->secret, room}; }
    // The secret that proves this session, for BYE. Requires welcomed().
    const proto::session_secret& secret() const { return session_->secret; }

    // FETCHes waiting to be sent: history on entering a room, and gap fill.
    std::size_t fetches_due() const;
    // The oldest FETCH due, sent at `now`: its answer is awaited until fetch_deadline().
    // Requires fetches_due() > 0.
    proto::fetch next_fetch(clock::time_point now);
    // When the oldest FETCH sent stops being waited for, if one is.
    std::optional<clock::time_point> fetch_deadline() const;
    // Gives up on FETCHes sent longer ago than the silence limit (an ERROR answered them, or the
    // reply went missing): a gap is reported as lost, and the lines held behind it are shown.
    void expire_fetches(clock::time_point now, std::vector<printed>& out);

    // Reacts to an event from the SUB socket, appending what to print.
    void on_event(const proto::event& e, std::vector<printed>& out);
    // Follows a room's sequence for an event known by its header alone
    // (proto::decode_event_headers), as on_event does before reacting to the event's content:
    // for a receiver that does not show what is said.
    void follow(const proto::event_header& h, std::vector<printed>& out);
    // Reacts to a reply on the DEALER socket (other than WELCOME), appending what to print.
    void on_reply(const proto::reply& r, std::vector<printed>& out);
    // The broker has gone silent for too long, or our connection to it was reset: the session
    // is lost until we take it over again.
    void connection_lost(std::vector<printed>& out);

    // Lines sent and neither acknowledged nor refused yet.
    std::size_t unacknowledged() const { return unacknowledged_.size(); }
    // Requests (lines, WHOs, ROOMS, JOINs and FETCHes) the broker has not answered yet.
    std::size_t unanswered() const;
    // Lines refused by the broker or lost with a connection.
    std::size_t undelivered() const { return undelivered_; }
    // Events this conversation found missing from its rooms' streams, in all.
    std::uint64_t missed() const { return missed_; }

    // Records that a command went to the broker at `now`: silence is counted from there.
    void sent(clock::time_point now) { last_sent_ = now; }
    // The interval the broker announced for heartbeats, or the default if it announced none.
    // Requires welcomed() or a session lost since.
    std::chrono::milliseconds heartbeat_interval() const;
    // How long the broker may stay silent before the session counts as lost. Same requirement.
    std::chrono::milliseconds silence_limit() const;
    // When a PING falls due: a heartbeat interval after the last command sent, while welcomed.
    // Nothing while not welcomed, since there is no session to keep alive.
    std::optional<clock::time_point> ping_due_at() const;
    bool ping_due(clock::time_point now) const;
    // The PING that keeps the session alive, reporting how far each room entered has been read.
    // Requires welcomed().
    proto::ping ping() const;

private:
    // A range of a room's chat asked for with FETCH: what the history holds comes in HISTORY
    // replies, and the room's later lines wait behind it so that everything shows in order.
    struct awaited_range {
        std::uint64_t epoch = 0; // the broker run whose numbers first and last are
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        bool earlier = false;  // said before we entered (history), rather than a gap
        bool sent = false;     // the FETCH went out
        bool answered = false; // its last HISTORY came (or it was given up)
        clock::time_point sent_at{};
        std::vector<proto::history_line> lines;
    };
    // What a room shows next, in order: a live line, or the lines of a range being fetched.
    using queued = std::variant<proto::line, awaited_range>;

    // One room as this client follows it: its two sequences, where its membership stands, and
    // what waits to be shown.
    struct room_view {
        std::string name;
        bool entered = false;   // its JOIN (or ROOM) came: the broker counts us in it
        bool join_due = false;  // a JOIN must be sent
        bool join_sent = false; // and was, unanswered yet
        proto::sequence_tracker chat;
        proto::sequence_tracker presence;
        std::deque<queued> waiting; // empty unless a FETCH is awaited
    };

    room_view* find(std::string_view room);
    const room_view* find(std::string_view room) const;
    // Where every line about `room` starts: "#room " while this client is in several rooms, or
    // for a room it is not in; nothing otherwise.
    std::string prefix(std::string_view room) const;
    // The broker counts us in `r` now, as its JOIN (carrying chat_seq) or ROOM (seq) says;
    // `roster_version` is the presence number of our entry.
    void entered(room_view& r, std::uint64_t epoch, std::uint64_t roster_version,
                 std::uint64_t chat_seq, std::uint32_t online, std::vector<printed>& out);
    void joined_now(std::size_t online, std::vector<printed>& out);
    // Whether the broker still holds the history a lost session was fetching from: not once it
    // restarts (its history and numbering begin again).
    enum class history { kept, gone };
    // Ends the current session: reports what it leaves unconfirmed, then waits for a rejoin.
    void lose(std::string why, std::vector<printed>& out, history h = history::kept);
    // Follows one of a room's sequences, reporting missed events once per gap, or, for a gap in
    // the chat with fill_gaps, fetching it.
    proto::sequence_verdict track(room_view& r, proto::sequence_tracker& sequence,
                                  std::uint64_t epoch, std::uint64_t seq, bool sequenced,
                                  std::vector<printed>& out);
    void report_missed(const room_view& r, std::uint64_t missed, std::vector<printed>& out);
    // Asks for a range of a room's chat, whose lines (and the room's later ones) wait for it.
    void await(room_view& r, std::uint64_t epoch, std::uint64_t first, std::uint64_t last,
               bool earlier);
    // Shows a live line of a room now, or after what it waits for.
    void show_line(room_view& r, const proto::line& l, std::vector<printed>& out);
    // Shows what waits in a room, from the front, up to the first range still awaited.
    void show_waiting(room_view& r, std::vector<printed>& out);
    // Shows a line as it arrived live, or a fetched range's lines and what it lacks.
    void show_live(const room_view& r, const proto::line& l, std::vector<printed>& out);
    void show_range(const room_view& r, const awaited_range& a, std::vector<printed>& out);
    // Gives up the ranges a room awaits that name lines of another broker run or room
    // generation than `chat_seq` of `epoch`; returns whether there were any.
    bool settle_stale_fetches(room_view& r, std::uint64_t epoch, std::uint64_t chat_seq);
    // Gives up waiting for every range of every room, showing what came and what waited.
    void give_up_fetches(std::vector<printed>& out);
    void on_history(const proto::history& h, std::vector<printed>& out);
    // Appends the line `text()` makes, if this conversation narrates.
    template <class Text>
    void tell(std::vector<printed>& out, style look, Text&& text) const {
        if (narrating_)
            out.push_back({look, std::forward<Text>(text)()});
    }
    // As tell(), for a line `sender` said, now or (with an age) earlier.
    template <class Text>
    void tell_said(std::vector<printed>& out, style look, std::string_view sender,
                   bool mentions_you, Text&& text,
                   std::optional<std::chrono::milliseconds> age = std::nullopt) const {
        if (narrating_)
            out.push_back(
                {look, std::forward<Text>(text)(), age, proto::printable(sender), mentions_you});
    }
    // Whether a line of someone else's mentions this client.
    bool mentions_me(std::string_view text) const {
        return session_ && mentions(text, session_->name);
    }

    bool narrating_;
    catch_up catch_up_;
    std::vector<room_view> rooms_; // never empty; the current room last
    std::optional<proto::welcome> session_;
    link state_ = link::joining;
    bool welcomed_ = false;
    bool resumed_ = false; // the current attempt took over the previous session
    bool ever_joined_ = false;
    std::uint64_t next_message_id_ = 1;
    struct said {
        std::string room;
        std::string text; // kept only to be printed
        std::string to{}; // a private message's recipient
        proto::line_kind kind = proto::line_kind::text;
        std::uint32_t typed_id = 0;
    };
    using unacknowledged_lines = std::map<std::uint64_t, said>;
    // Forgets a line that was acknowledged, refused or lost, noting it as settled.
    unacknowledged_lines::iterator settle(unacknowledged_lines::iterator it);
    unacknowledged_lines unacknowledged_;
    std::vector<std::uint32_t> settled_;
    std::size_t undelivered_ = 0;
    std::size_t lists_asked_ = 0; // WHOs and ROOMS
    std::uint64_t missed_ = 0;
    clock::time_point last_sent_{};
};

} // namespace zchat::client
