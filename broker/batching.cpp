#include "broker/batching.hpp"

#include <string_view>
#include <unordered_map>

namespace zchat::broker {

void batch_publications(std::vector<proto::frame_list>& publications, std::size_t max_body) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < publications.size(); ++i) {
        proto::frame_list& next = publications[i];
        if (kept > 0) {
            proto::frame_list& last = publications[kept - 1];
            // Both bodies start with the signature, which the batch holds once.
            if (last[0] == next[0] &&
                last[1].size() + next[1].size() - proto::signature_bytes <= max_body) {
                proto::extend_batch(last, next);
                continue;
            }
        }
        if (kept != i)
            publications[kept] = std::move(next);
        ++kept;
    }
    publications.resize(kept);
}

void fold_acks(std::vector<addressed_reply>& replies) {
    if (replies.size() < 2)
        return;
    // Each peer's latest reply that stays. A key views the peer of the peer's first reply, which
    // is never folded away, so it stays valid until the folded replies are removed at the end.
    std::unordered_map<std::string_view, std::size_t> latest;
    bool folded = false;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        addressed_reply& next = replies[i];
        const auto [at, first] = latest.try_emplace(next.peer, i);
        if (first)
            continue;
        addressed_reply& before = replies[at->second];
        if (before.ack && next.ack) {
            before.ack = proto::ack{next.ack->message_id, next.ack->seq,
                                    before.ack->count + next.ack->count};
            next.frames.clear(); // every reply that is sent has a frame
            folded = true;
        } else {
            at->second = i;
        }
    }
    if (!folded)
        return;
    std::erase_if(replies, [](const addressed_reply& r) { return r.frames.empty(); });
    // Each folded ACK is encoded once, whatever it took in. The core sends counts of 1, so a
    // larger count is one this fold made.
    for (addressed_reply& r : replies)
        if (r.ack && r.ack->count > 1)
            r.frames = proto::encode(proto::reply{*r.ack});
}

} // namespace zchat::broker
