// What one turn of the broker's loop sends, in fewer messages. Under load, several events of one
// topic and several ACKs to one client are ready when a turn ends; libzmq pays per message (and
// per subscriber, for an event), so each run of them goes as one message: a batch body
// (PROTOCOL.md section 5, Batches) and a cumulative ACK (section 4, ACK). Nothing waits for
// company: a turn sends what it has, so batching happens only under load and an idle broker's
// latency is unchanged.
#pragma once

#include "broker/outbox.hpp"

#include <cstddef>
#include <vector>

namespace zchat::broker {

// The largest batch body made; an event longer than this goes alone. Small, because the PUB
// queues each subscriber's messages up to a count (ZMQ_SNDHWM), not bytes: a subscriber that
// stops reading holds up to that many batches. At 1 KiB a batch carries about nine lines of 64
// bytes, which takes most of the cost per message away, while a stalled subscriber's queue
// stays near what it was before batching (lines of 1 KiB or more are never batched).
inline constexpr std::size_t max_batch_body_bytes = 1024;

// Joins each run of consecutive publications with one topic into batches of at most `max_body`
// bytes, in order. A subscriber then receives exactly the events it would have, in the same
// order: publications of other topics are never reordered around a batch.
void batch_publications(std::vector<proto::frame_list>& publications,
                        std::size_t max_body = max_batch_body_bytes);

// Folds each ACK into the reply before it to the same peer when that is an ACK too: one ACK
// naming the later SAY, its seq, and both counts. An ERROR or any other reply between them keeps
// them apart, so a peer receives its replies in the order they were made.
void fold_acks(std::vector<addressed_reply>& replies);

} // namespace zchat::broker
