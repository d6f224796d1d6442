// The client's view of the room: turns what the broker says into lines to print, keeps track of
// the lines this client sent until the broker acknowledges or refuses them, notices missed
// events, and decides when the session has been lost and must be joined again.
//
// Pure logic, driven by the receive thread (session.hpp) and tested without sockets.
#pragma once

#include "proto/message.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zchat::client {

// How a printed line should look; the terminal decides what that means (colour or not).
enum class style { chat, own, presence, notice, error };

struct printed {
    style look = style::notice;
    std::string text;
    bool operator==(const printed&) const = default;
};

// Where the session stands. A join attempt goes joining -> joined; the broker or the network
// can then make it lost (join again) or ended (give up).
enum class link { joining, joined, lost, ended };

class conversation {
public:
    // Starts a join attempt: a HELLO is about to be sent, carrying ticket() if there is one.
    void start_attempt();
    // Records the broker's WELCOME to the current attempt.
    void welcome(const proto::welcome& w);
    bool welcomed() const { return welcomed_; }
    link state() const { return state_; }
    bool joined() const { return state_ == link::joined; }
    // Whether this client has been joined at some point (so a new join is a reconnection).
    bool ever_joined() const { return ever_joined_; }
    // The last WELCOME. Requires welcomed() or a session lost since.
    const proto::welcome& session() const { return *session_; }
    // Proof of the last session, for taking it over after a reconnect.
    std::optional<proto::resume_ticket> ticket() const;

    // The READY that answers a probe addressed to this session, if it still needs answering.
    // A resumed session counts as joined again from its probe, since no JOIN will come.
    std::optional<proto::ready> answer(const proto::probe& p, std::vector<printed>& out);
    // A SAY for the text, remembered until acknowledged or refused. Requires welcomed().
    proto::say compose(std::string text);
    // A WHO, remembered until the roster comes back. Requires welcomed().
    proto::who ask_roster();
    // The secret that proves this session, for BYE and PING. Requires welcomed().
    const proto::session_secret& secret() const { return session_->secret; }

    // Reacts to an event from the SUB socket, appending what to print.
    void on_event(const proto::event& e, std::vector<printed>& out);
    // Reacts to a reply on the DEALER socket (other than WELCOME), appending what to print.
    void on_reply(const proto::reply& r, std::vector<printed>& out);
    // The broker has gone silent for too long, or our connection to it was reset: the session
    // is lost until we take it over again.
    void connection_lost(std::vector<printed>& out);

    // Lines sent and neither acknowledged nor refused yet.
    std::size_t unacknowledged() const { return unacknowledged_.size(); }
    // Requests (lines and WHOs) the broker has not answered yet.
    std::size_t unanswered() const { return unacknowledged_.size() + rosters_asked_; }
    // Lines refused by the broker or lost with a connection.
    std::size_t undelivered() const { return undelivered_; }
    // The highest event sequence number seen in the current epoch, which heartbeats report.
    std::uint64_t last_seq() const { return last_seq_; }

private:
    void joined_now(std::size_t online, std::vector<printed>& out);
    // Ends the current session: reports what it leaves unconfirmed, then waits for a rejoin.
    void lose(std::string why, std::vector<printed>& out);
    // Follows the event stream's epoch and sequence, reporting missed events once per gap.
    void track_sequence(const proto::event& e, std::vector<printed>& out);

    std::optional<proto::welcome> session_;
    link state_ = link::joining;
    bool welcomed_ = false;
    bool resumed_ = false; // the current attempt took over the previous session
    bool ever_joined_ = false;
    std::uint64_t next_message_id_ = 1;
    std::map<std::uint64_t, std::string> unacknowledged_;
    std::size_t undelivered_ = 0;
    std::size_t rosters_asked_ = 0;
    std::optional<std::uint64_t> epoch_; // of the events seen so far
    std::uint64_t last_seq_ = 0;
};

} // namespace zchat::client
