// What the broker core decided to send, as plain data. The server turns it into socket sends;
// tests read it directly ("given these commands, expect these frames").
#pragma once

#include "broker/log.hpp"
#include "proto/codec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace zchat::broker {

struct addressed_reply {
    std::string peer; // the ROUTER routing id of the recipient
    proto::frame_list frames;
    std::optional<proto::ack> ack; // what the frames say, when they are an ACK (for batching.hpp)
};

struct outbox {
    std::vector<addressed_reply> replies;
    std::vector<proto::frame_list> publications; // each starts with its topic frame
    std::vector<log_entry> log;                  // values already printable

    void clear() {
        replies.clear();
        publications.clear();
        log.clear();
    }
};

} // namespace zchat::broker
