// A socket monitor's events read as news: which handshake failures end a program at once, and
// which leave it waiting.
#include "proto/runtime/connection_watch.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace zchat::runtime {
namespace {

const std::string mismatch = "the broker and we disagree on encryption: one side uses CURVE, "
                             "the other not (check --curve-server-key)";

// A handshake that broke off without a reason: the broker closed the connection mid-way.
void break_off(connection_reader& r, bool plain) {
    r.note(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EPIPE, plain);
    r.note(ZMQ_EVENT_DISCONNECTED, 0, plain);
}

TEST(ConnectionReader, AStatedMechanismMismatchIsFinalAtOnce) {
    connection_reader r;
    r.note(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, true);
    const connection_news news = r.take();
    ASSERT_TRUE(news.failure);
    EXPECT_EQ(news.failure->reason, mismatch);
    EXPECT_TRUE(news.failure->final);
    EXPECT_FALSE(r.take().failure);
}

TEST(ConnectionReader, APlainHandshakeThatBreaksOffThreeTimesInARowIsAMismatch) {
    connection_reader r;
    break_off(r, true);
    break_off(r, true);
    const connection_news twice = r.take();
    ASSERT_TRUE(twice.failure);
    EXPECT_FALSE(twice.failure->final);
    EXPECT_TRUE(twice.dropped);

    break_off(r, true);
    const connection_news thrice = r.take();
    ASSERT_TRUE(thrice.failure);
    EXPECT_EQ(thrice.failure->reason, mismatch);
    EXPECT_TRUE(thrice.failure->final);
}

TEST(ConnectionReader, AHandshakeThatSucceedsBetweenBreaksStartsTheCountAgain) {
    connection_reader r;
    break_off(r, true);
    break_off(r, true);
    r.note(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, true);
    break_off(r, true);
    break_off(r, true);
    const connection_news news = r.take();
    ASSERT_TRUE(news.failure);
    EXPECT_FALSE(news.failure->final);
}

TEST(ConnectionReader, UnderCurveBreaksAreNeverFinal) {
    // A wrong server key breaks the handshake off the same way, and only the timeout says so.
    connection_reader r;
    for (int i = 0; i < 10; ++i)
        break_off(r, false);
    const connection_news news = r.take();
    ASSERT_TRUE(news.failure);
    EXPECT_FALSE(news.failure->final);
    EXPECT_NE(news.failure->reason.find("is --curve-server-key the broker's public key?"),
              std::string::npos);
}

TEST(ConnectionReader, AFinalFailureIsNotHiddenByALaterPassingOne) {
    connection_reader r;
    r.note(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, false);
    break_off(r, false);
    const connection_news news = r.take();
    ASSERT_TRUE(news.failure);
    EXPECT_TRUE(news.failure->final);
    EXPECT_EQ(news.failure->reason,
              "the broker refused our key (it is not on the broker's allowlist)");
}

} // namespace
} // namespace zchat::runtime
