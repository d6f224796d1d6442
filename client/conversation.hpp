// The client's view of the room: turns what the broker says into lines to print, and keeps
// track of the lines this client sent until the broker acknowledges or refuses them.
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

class conversation {
public:
    // Starts a session from the broker's WELCOME.
    void welcome(const proto::welcome& w);
    bool welcomed() const { return session_.has_value(); }
    // Whether this client's own JOIN has arrived, proving its SUB receives.
    bool joined() const { return joined_; }
    const proto::welcome& session() const { return *session_; }

    // The READY that answers a probe addressed to this session, if it still needs answering.
    std::optional<proto::ready> answer(const proto::probe& p) const;
    // A SAY for the text, remembered until acknowledged or refused. Requires welcomed().
    proto::say compose(std::string text);
    // A WHO, remembered until the roster comes back. Requires welcomed().
    proto::who ask_roster();
    // The command that proves this session, for BYE and PING. Requires welcomed().
    const proto::session_secret& secret() const { return session_->secret; }

    // Reacts to an event from the SUB socket, appending what to print.
    void on_event(const proto::event& e, std::vector<printed>& out);
    // Reacts to a reply on the DEALER socket (other than WELCOME), appending what to print.
    void on_reply(const proto::reply& r, std::vector<printed>& out);

    // Lines sent and neither acknowledged nor refused yet.
    std::size_t unacknowledged() const { return unacknowledged_.size(); }
    // Requests (lines and WHOs) the broker has not answered yet.
    std::size_t unanswered() const { return unacknowledged_.size() + rosters_asked_; }
    // Lines the broker refused.
    std::size_t refused() const { return refused_; }
    // The highest event sequence number seen so far, which heartbeats report to the broker.
    std::uint64_t last_seq() const { return last_seq_; }

private:
    std::optional<proto::welcome> session_;
    bool joined_ = false;
    std::uint64_t next_message_id_ = 1;
    std::map<std::uint64_t, std::string> unacknowledged_;
    std::size_t refused_ = 0;
    std::size_t rosters_asked_ = 0;
    std::uint64_t last_seq_ = 0;
};

} // namespace zchat::client
