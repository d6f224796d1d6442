// Batching what one turn of the loop sends: runs of one topic's events become batch bodies, runs
// of one peer's ACKs become one cumulative ACK, and nobody receives anything in another order.
#include "broker/batching.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zchat::broker {
namespace {

using proto::event;

proto::line said(std::string room, std::uint64_t seq, std::string text = "hi") {
    return {9, seq, std::move(room), "alice", 7, seq, std::move(text)};
}

proto::joined entered(std::string room, std::uint64_t seq) {
    return {9, seq, std::move(room), "bob", 8, 2, 0};
}

std::vector<proto::frame_list> encoded(const std::vector<event>& events) {
    std::vector<proto::frame_list> out;
    for (const event& e : events)
        out.push_back(proto::encode(e));
    return out;
}

// What a subscriber to everything reads from the messages: every event, in order.
std::vector<event> received(const std::vector<proto::frame_list>& messages) {
    std::vector<event> out;
    for (const proto::frame_list& m : messages) {
        const auto frames = proto::views(m);
        auto decoded = proto::decode_events(frames);
        EXPECT_TRUE(std::holds_alternative<std::vector<event>>(decoded));
        if (auto* events = std::get_if<std::vector<event>>(&decoded))
            out.insert(out.end(), events->begin(), events->end());
    }
    return out;
}

TEST(BatchPublications, ARunOfOneTopicBecomesOneBatchInOrder) {
    const std::vector<event> events{said("lobby", 1), said("lobby", 2), said("lobby", 3)};
    auto messages = encoded(events);
    batch_publications(messages);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0], proto::encode_batch(events));
    EXPECT_EQ(received(messages), events);
}

TEST(BatchPublications, OtherTopicsBetweenKeepTheRunsApart) {
    // A subscriber of both the lobby's chat and its presence sees the JOIN between the lines.
    const std::vector<event> events{said("lobby", 1), entered("lobby", 2), said("lobby", 2),
                                    said("lobby", 3), said("dev", 1),      said("lobby", 4)};
    auto messages = encoded(events);
    batch_publications(messages);
    ASSERT_EQ(messages.size(), 5u);
    EXPECT_EQ(messages[2], proto::encode_batch(std::vector<event>{events[2], events[3]}));
    EXPECT_EQ(received(messages), events);
}

TEST(BatchPublications, ABatchStaysWithinItsSizeAndALongerEventGoesAlone) {
    const std::string text(100, 'x');
    const std::vector<event> events{said("lobby", 1, text), said("lobby", 2, text),
                                    said("lobby", 3, text), said("lobby", 4, std::string(500, 'y')),
                                    said("lobby", 5, text)};
    auto messages = encoded(events);
    const std::size_t one = messages[0][1].size();
    batch_publications(messages, 2 * one - proto::signature_bytes);
    ASSERT_EQ(messages.size(), 4u);
    EXPECT_EQ(messages[0][1].size(), 2 * one - proto::signature_bytes);
    for (const auto& m : messages)
        EXPECT_LE(m[1].size(), 2 * one - proto::signature_bytes + 400);
    EXPECT_EQ(received(messages), events);
}

TEST(BatchPublications, NothingAndOneAreLeftAsTheyAre) {
    std::vector<proto::frame_list> none;
    batch_publications(none);
    EXPECT_TRUE(none.empty());
    auto one = encoded({said("lobby", 1)});
    const auto before = one;
    batch_publications(one);
    EXPECT_EQ(one, before);
}

addressed_reply to(std::string peer, proto::reply r) {
    addressed_reply out{std::move(peer), proto::encode(r), {}};
    if (const auto* a = std::get_if<proto::ack>(&r))
        out.ack = *a;
    return out;
}

proto::reply replied(const addressed_reply& r) {
    const auto frames = proto::views(r.frames);
    return std::get<proto::reply>(proto::decode_reply(frames));
}

TEST(FoldAcks, AcksInARowToOnePeerBecomeOneNamingTheLast) {
    std::vector<addressed_reply> replies{to("a", proto::ack{1, 10, 1}),
                                         to("a", proto::ack{2, 11, 1}),
                                         to("a", proto::ack{3, 12, 1})};
    fold_acks(replies);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replied(replies[0]), (proto::reply{proto::ack{3, 12, 3}}));
    EXPECT_EQ(replies[0].ack, (proto::ack{3, 12, 3}));
}

TEST(FoldAcks, EachPeerFoldsApartAndOtherPeersBetweenDoNotMatter) {
    std::vector<addressed_reply> replies{to("a", proto::ack{1, 1, 1}), to("b", proto::ack{5, 2, 1}),
                                         to("a", proto::ack{2, 3, 1}),
                                         to("b", proto::ack{6, 4, 1})};
    fold_acks(replies);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].peer, "a");
    EXPECT_EQ(replied(replies[0]), (proto::reply{proto::ack{2, 3, 2}}));
    EXPECT_EQ(replies[1].peer, "b");
    EXPECT_EQ(replied(replies[1]), (proto::reply{proto::ack{6, 4, 2}}));
}

TEST(FoldAcks, AnotherReplyToThePeerBetweenKeepsTheOrder) {
    // The ERROR for SAY 2 goes before any ACK reaching back past it.
    const proto::error refused{proto::error_code::rate_limited, 2, "slow down"};
    std::vector<addressed_reply> replies{to("a", proto::ack{1, 1, 1}), to("a", refused),
                                         to("a", proto::ack{3, 2, 1}),
                                         to("a", proto::ack{4, 3, 1})};
    fold_acks(replies);
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replied(replies[0]), (proto::reply{proto::ack{1, 1, 1}}));
    EXPECT_EQ(replied(replies[1]), proto::reply{refused});
    EXPECT_EQ(replied(replies[2]), (proto::reply{proto::ack{4, 3, 2}}));
}

} // namespace
} // namespace zchat::broker
