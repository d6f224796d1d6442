// What the terminal thread and the receive thread say to each other over their inproc pipe: a
// small typed set, encoded in one place. Pure, so the encoding is tested without a socket;
// pipe.hpp moves the encoded messages.
//
// Terminal -> receive thread: say (a typed line), who, join and part (each with a room, or for
// who and part none: the current room), rooms, quit (leave once every line is acknowledged,
// within the drain timeout; a second quit: leave now), eof (input ended: leave once every line
// is acknowledged).
// Receive thread -> terminal: print (a line in a style), status (how the link stands, for the
// prompt: empty once joined), settled (a typed line is confirmed, refused or given up on: no
// longer pending), done (the exit code; the last message).
#pragma once

#include "client/conversation.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::client {

// New kinds go last: a kind's number is its byte in the encoding.
enum class pipe_kind : std::uint8_t {
    say,
    who,
    quit,
    eof,
    print,
    done,
    join,
    part,
    rooms,
    msg,
    act,
    status,
    settled
};

struct pipe_message {
    pipe_kind kind = pipe_kind::quit;
    std::string text; // say: the line typed; who, join, part: the room; print: the line; status
    style look = style::notice; // print
    int exit_code = 0;          // done: 0 to 255
    std::string to{}; // msg: the recipient's name (text is the message); print: the speaker
    std::optional<std::chrono::milliseconds> age{}; // print: as printed::age
    bool mentions_you = false;                      // print: as printed::mentions_you
    // say, act, msg: the terminal's number for the line; settled: the line that was confirmed,
    // refused or given up on.
    std::uint32_t typed_id = 0;
    bool operator==(const pipe_message&) const = default;

    static pipe_message say(std::string text, std::uint32_t typed_id = 0) {
        pipe_message m{pipe_kind::say, std::move(text), {}, 0};
        m.typed_id = typed_id;
        return m;
    }
    static pipe_message act(std::string text, std::uint32_t typed_id = 0) {
        pipe_message m{pipe_kind::act, std::move(text), {}, 0};
        m.typed_id = typed_id;
        return m;
    }
    static pipe_message who(std::string room = {}) {
        return {pipe_kind::who, std::move(room), {}, 0};
    }
    static pipe_message join(std::string room) { return {pipe_kind::join, std::move(room), {}, 0}; }
    static pipe_message part(std::string room = {}) {
        return {pipe_kind::part, std::move(room), {}, 0};
    }
    static pipe_message rooms() { return of(pipe_kind::rooms); }
    static pipe_message msg(std::string to, std::string text, std::uint32_t typed_id = 0) {
        pipe_message m{pipe_kind::msg, std::move(text), {}, 0, std::move(to)};
        m.typed_id = typed_id;
        return m;
    }
    static pipe_message settled(std::uint32_t typed_id) {
        pipe_message m = of(pipe_kind::settled);
        m.typed_id = typed_id;
        return m;
    }
    static pipe_message quit() { return of(pipe_kind::quit); }
    static pipe_message eof() { return of(pipe_kind::eof); }
    static pipe_message print(printed line) {
        return {pipe_kind::print, std::move(line.text), line.look, 0, std::move(line.speaker),
                line.age,         line.mentions_you};
    }
    // The line a print carries.
    printed line() const { return {look, text, age, to, mentions_you}; }
    static pipe_message status(std::string text) {
        return {pipe_kind::status, std::move(text), {}, 0};
    }
    static pipe_message done(int exit_code) { return {pipe_kind::done, {}, {}, exit_code}; }
    // A message of `kind` carrying nothing yet.
    static pipe_message of(pipe_kind kind) { return {kind, {}, {}, 0}; }
};

// One frame: the kind byte, then for print the style byte, a flags byte (1: an age follows,
// 2: the line mentions you), the age in milliseconds (4 bytes, big-endian) if one does, the
// speaker's length (2 bytes, big-endian), the speaker and the text; for say, act and msg first
// the typed id (4 bytes, big-endian), for settled only that; for say, who, join and
// part the text, for msg the recipient's length (2 bytes, big-endian), the recipient and the
// text, for status the text, for done the exit code byte.
std::string encode(const pipe_message& m);
// The message in a frame, or nothing if the frame is not one encode() makes (a bug of ours, as
// only this program writes to the pipe).
std::optional<pipe_message> decode_pipe_message(std::string_view frame);

} // namespace zchat::client
