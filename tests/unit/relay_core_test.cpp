// The relay's message format and policy (plugins/web/core/relay.h), without GStreamer.
#include <gtest/gtest.h>

#include "core/relay.h"

using namespace onair::web::relay;

namespace {

constexpr char kCaps[] = "application/x-asciiline, init=(string)\"INIT:30.0:3:4:2:0\"";

std::vector<uint8_t> message(Kind kind, uint64_t sequence, uint32_t epoch = 7,
                             const std::string &caps = kCaps) {
  const uint8_t payload[] = {uint8_t(sequence), 0xAB};
  return encode(kind, epoch, sequence, sequence * 1000, caps, payload, sizeof payload);
}

void arrive(RelayQueue &q, const std::vector<uint8_t> &bytes) {
  q.arrive(bytes.data(), bytes.size());
}

// The sequences that come out, in order.
std::vector<uint64_t> drain(RelayQueue &q) {
  std::vector<uint64_t> out;
  while (auto m = q.next()) out.push_back(m->sequence);
  return out;
}

}  // namespace

TEST(RelayFormat, KeyFrameCarriesCapsKindAndPayload) {
  const auto bytes = message(Kind::kKey, 5);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::kKey);
  EXPECT_EQ(m->epoch, 7u);
  EXPECT_EQ(m->sequence, 5u);
  EXPECT_EQ(m->running_time, 5000u);
  EXPECT_EQ(m->caps, kCaps);
  EXPECT_EQ(m->payload, (std::vector<uint8_t>{5, 0xAB}));
}

TEST(RelayFormat, DeltaCarriesNoCaps) {
  const auto bytes = message(Kind::kDelta, 6);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::kDelta);
  EXPECT_TRUE(m->caps.empty());
  EXPECT_EQ(m->payload.size(), 2u);
}

TEST(RelayFormat, RefusesWhatIsNotAMessage) {
  auto bytes = message(Kind::kKey, 1);
  EXPECT_FALSE(decode(bytes.data(), 10));  // truncated header
  EXPECT_FALSE(decode(bytes.data(), 30));  // truncated caps
  bytes[0] = kAltVersion + 1;              // another version
  EXPECT_FALSE(decode(bytes.data(), bytes.size()));
  bytes[0] = kVersion;
  bytes[1] = 'X';  // unknown kind
  EXPECT_FALSE(decode(bytes.data(), bytes.size()));
  const auto capsless = message(Kind::kKey, 1, 7, "");  // a key frame needs its caps
  EXPECT_FALSE(decode(capsless.data(), capsless.size()));
}

TEST(RelayFormat, WithoutAlternativesOldRelaysReadIt) {
  const auto bytes = message(Kind::kKey, 1);
  EXPECT_EQ(bytes[0], kVersion);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->alternatives);
}

TEST(RelayFormat, AlternativesTravelBesideThePayload) {
  const std::vector<uint8_t> payload = {1, 2, 3}, full = {4, 5, 6, 7}, delta = {8, 9};
  AlternativesView alt;
  alt.sequence = 41;
  alt.full = full;
  alt.delta = std::span<const uint8_t>(delta);
  alt.base = 40;
  const auto bytes = encode(Kind::kKey, 7, 3, 3000, kCaps, payload.data(), payload.size(), &alt);
  // A relay that knows only kVersion refuses it whole rather than serve the alternatives as
  // the payload.
  EXPECT_EQ(bytes[0], kAltVersion);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->caps, kCaps);
  EXPECT_EQ(m->sequence, 3u);
  EXPECT_EQ(m->payload, payload);
  ASSERT_TRUE(m->alternatives);
  EXPECT_EQ(m->alternatives->sequence, 41u);
  EXPECT_EQ(m->alternatives->full, full);
  ASSERT_TRUE(m->alternatives->delta);
  EXPECT_EQ(*m->alternatives->delta, delta);
  EXPECT_EQ(m->alternatives->base, 40u);
}

TEST(RelayFormat, AlternativeWithoutDeltaStandsAlone) {
  const std::vector<uint8_t> payload = {1}, full = {4, 5};
  AlternativesView alt;
  alt.sequence = 9;
  alt.full = full;
  const auto bytes = encode(Kind::kKey, 7, 0, 0, kCaps, payload.data(), payload.size(), &alt);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m && m->alternatives);
  EXPECT_EQ(m->alternatives->sequence, 9u);
  EXPECT_EQ(m->alternatives->full, full);
  EXPECT_FALSE(m->alternatives->delta);
  EXPECT_EQ(m->payload, payload);
}

TEST(RelayFormat, RefusesBrokenAlternatives) {
  const std::vector<uint8_t> payload = {1}, full = {4, 5, 6};
  AlternativesView alt;
  alt.full = full;
  auto bytes = encode(Kind::kKey, 7, 0, 0, "c", payload.data(), payload.size(), &alt);
  const size_t alt_at = 26 + 1, alt_fixed = 29;
  // Sizes beyond the message's end.
  EXPECT_FALSE(decode(bytes.data(), alt_at + 20));
  EXPECT_FALSE(decode(bytes.data(), alt_at + alt_fixed + 2));
  EXPECT_TRUE(decode(bytes.data(), alt_at + alt_fixed + 3));  // the payload may be empty
  // A flag this version does not know.
  bytes[alt_at + 8] = 0x80;
  EXPECT_FALSE(decode(bytes.data(), bytes.size()));
  // A delta size without the delta flag.
  bytes[alt_at + 8] = 0;
  bytes[alt_at + 28] = 1;
  EXPECT_FALSE(decode(bytes.data(), bytes.size()));
}

TEST(RelayFormat, AFullAlternativeThatIsThePayloadWithBytesInsertedSendsOnlyThose) {
  // As asciiline: the changed-cells full frame is the seed frame with a type byte after the
  // 4-byte index.
  std::vector<uint8_t> payload = {0, 0, 0, 9};
  for (int i = 0; i < 100; ++i) payload.push_back(uint8_t('A' + i % 26));
  std::vector<uint8_t> full(payload.begin(), payload.begin() + 4);
  full.push_back(0);
  full.insert(full.end(), payload.begin() + 4, payload.end());
  AlternativesView alt;
  alt.sequence = 9;
  alt.full = full;
  const auto bytes = encode(Kind::kKey, 7, 0, 0, kCaps, payload.data(), payload.size(), &alt);
  EXPECT_LT(bytes.size(), 26 + std::string(kCaps).size() + 29 + payload.size() + 2);
  const auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m && m->alternatives);
  EXPECT_EQ(m->payload, payload);
  EXPECT_EQ(m->alternatives->full, full);

  // A splice offset past the payload's end is no message.
  auto broken = bytes;
  broken[26 + std::string(kCaps).size() + 20] = 0xFF;
  EXPECT_FALSE(decode(broken.data(), broken.size()));
}

TEST(RelayFormat, RedactsCredentials) {
  EXPECT_EQ(redact_url("nats://user:pass@127.0.0.1:4222"), "nats://***@127.0.0.1:4222");
  EXPECT_EQ(redact_url("nats://token@host:4222/x@y"), "nats://***@host:4222/x@y");
  EXPECT_EQ(redact_url("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(redact_url("nats://a:b@h1:4222,nats://c:d@h2:4222"),
            "nats://***@h1:4222,nats://***@h2:4222");
  EXPECT_EQ(redact_url("u:p@h:1"), "***@h:1");
}

TEST(RelayQueue, StartsOnAKeyFrame) {
  RelayQueue q(8);
  arrive(q, message(Kind::kDelta, 10));
  arrive(q, message(Kind::kDelta, 11));
  arrive(q, message(Kind::kKey, 12));
  arrive(q, message(Kind::kDelta, 13));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{12, 13}));
  EXPECT_EQ(q.counters().skipped, 2u);
  EXPECT_EQ(q.counters().received, 4u);
  EXPECT_EQ(q.counters().lost, 0u);  // a relay that joins late has lost nothing
}

TEST(RelayQueue, AfterAGapWaitsForTheNextKeyFrame) {
  RelayQueue q(8);
  arrive(q, message(Kind::kKey, 0));
  arrive(q, message(Kind::kDelta, 1));
  arrive(q, message(Kind::kDelta, 4));  // 2 and 3 never came
  arrive(q, message(Kind::kDelta, 5));
  arrive(q, message(Kind::kKey, 6));
  arrive(q, message(Kind::kDelta, 7));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{0, 1, 6, 7}));
  EXPECT_EQ(q.counters().lost, 2u);
  EXPECT_EQ(q.counters().skipped, 2u);
}

TEST(RelayQueue, KeyFramesAfterAGapGoOn) {
  RelayQueue q(8);
  arrive(q, message(Kind::kKey, 0));
  arrive(q, message(Kind::kKey, 3));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{0, 3}));
  EXPECT_EQ(q.counters().lost, 2u);
}

TEST(RelayQueue, SlowOutputDropsOldestAndTheDeltasOnIt) {
  RelayQueue q(3);
  arrive(q, message(Kind::kKey, 0));
  arrive(q, message(Kind::kDelta, 1));
  arrive(q, message(Kind::kKey, 2));
  arrive(q, message(Kind::kDelta, 3));  // 0 goes, and 1 with it
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(q.counters().dropped, 2u);
}

TEST(RelayQueue, PublisherRestartIsANewStream) {
  RelayQueue q(8);
  arrive(q, message(Kind::kKey, 40));
  arrive(q, message(Kind::kDelta, 41));
  arrive(q, message(Kind::kDelta, 0, 8));  // a new run: nothing to apply it to
  arrive(q, message(Kind::kKey, 1, 8));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{40, 41, 1}));
  EXPECT_EQ(q.counters().restarts, 1u);
  EXPECT_EQ(q.counters().lost, 0u);
}

TEST(RelayQueue, CountsGarbage) {
  RelayQueue q(8);
  const uint8_t junk[] = {1, 2, 3};
  q.arrive(junk, sizeof junk);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.counters().invalid, 1u);
  EXPECT_EQ(q.counters().received, 0u);
}

TEST(CapsTracker, ChangesOnlyOnNewCaps) {
  CapsTracker caps;
  auto decoded = [](const std::vector<uint8_t> &b) { return *decode(b.data(), b.size()); };
  EXPECT_TRUE(caps.changes(decoded(message(Kind::kKey, 0))));
  EXPECT_FALSE(caps.changes(decoded(message(Kind::kDelta, 1))));
  EXPECT_FALSE(caps.changes(decoded(message(Kind::kKey, 2))));
  EXPECT_TRUE(caps.changes(decoded(message(Kind::kKey, 3, 7, "application/x-asciiline, x=1"))));
  EXPECT_EQ(caps.current(), "application/x-asciiline, x=1");
}
