// The overlay's command queue without GStreamer: what the action signals leave for the next
// frame, the limits that keep a paused pipeline from piling commands up, and applying them.
#include <gtest/gtest.h>

#include <string>

#include "core/command_queue.h"

using namespace onair::overlay;

namespace {

constexpr int64_t kDuration = 5 * kSecond;

void add_chats(CommandQueue &queue, int first, int count) {
  for (int i = first; i < first + count; i++) queue.add_chat("user", std::to_string(i), {});
}

void fill_alerts(CommandQueue &queue, size_t count) {
  for (size_t i = 0; i < count; i++)
    ASSERT_TRUE(queue.add_alert("alert", AlertType::kInfo, kDuration)) << i;
}

}  // namespace

TEST(CommandQueue, TakeReturnsCommandsInOrderAndLeavesNone) {
  CommandQueue queue;
  queue.add_chat("ann", "hello", {1, 2, 3});
  ASSERT_TRUE(queue.add_alert("follow", AlertType::kSuccess, kDuration));
  queue.clear_chat();
  queue.clear_alerts();

  const std::vector<Command> commands = queue.take();
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_EQ(commands[0].kind, Command::Kind::kChat);
  EXPECT_EQ(commands[0].user, "ann");
  EXPECT_EQ(commands[0].text, "hello");
  EXPECT_EQ(commands[0].color, (Rgb{1, 2, 3}));
  EXPECT_EQ(commands[1].kind, Command::Kind::kAlert);
  EXPECT_EQ(commands[1].text, "follow");
  EXPECT_EQ(commands[1].type, AlertType::kSuccess);
  EXPECT_EQ(commands[1].duration, kDuration);
  EXPECT_EQ(commands[2].kind, Command::Kind::kClearChat);
  EXPECT_EQ(commands[3].kind, Command::Kind::kClearAlerts);
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_TRUE(queue.take().empty());
}

TEST(CommandQueue, PendingChatBeyondItsLimitDropsTheOldestChatOnly) {
  CommandQueue queue;
  ASSERT_TRUE(queue.add_alert("first", AlertType::kInfo, kDuration));
  queue.clear_chat();
  add_chats(queue, 0, static_cast<int>(CommandQueue::kMaxPendingChat));
  EXPECT_EQ(queue.pending(), CommandQueue::kMaxPendingChat + 2);
  add_chats(queue, static_cast<int>(CommandQueue::kMaxPendingChat), 2);
  EXPECT_EQ(queue.pending(), CommandQueue::kMaxPendingChat + 2);

  const std::vector<Command> commands = queue.take();
  ASSERT_EQ(commands.size(), CommandQueue::kMaxPendingChat + 2);
  EXPECT_EQ(commands[0].kind, Command::Kind::kAlert);
  EXPECT_EQ(commands[1].kind, Command::Kind::kClearChat);
  EXPECT_EQ(commands[2].text, "2");  // chats 0 and 1 went
  EXPECT_EQ(commands.back().text, std::to_string(CommandQueue::kMaxPendingChat + 1));
}

TEST(CommandQueue, PendingAlertsBeyondTheLimitAreRefused) {
  CommandQueue queue;
  fill_alerts(queue, CommandQueue::kMaxQueuedAlerts);
  EXPECT_FALSE(queue.add_alert("one too many", AlertType::kInfo, kDuration));
  EXPECT_EQ(queue.pending(), CommandQueue::kMaxQueuedAlerts);
  // Chat is not limited by alerts.
  queue.add_chat("ann", "still fine", {});
  EXPECT_EQ(queue.pending(), CommandQueue::kMaxQueuedAlerts + 1);
}

TEST(CommandQueue, ClearAlertsResetsThePendingAlertCount) {
  CommandQueue queue;
  fill_alerts(queue, CommandQueue::kMaxQueuedAlerts);
  queue.clear_alerts();
  fill_alerts(queue, CommandQueue::kMaxQueuedAlerts);
  EXPECT_FALSE(queue.add_alert("one too many", AlertType::kInfo, kDuration));
}

TEST(CommandQueue, AlertsTheOverlayHoldsCountAgainstTheLimit) {
  CommandQueue queue;
  fill_alerts(queue, CommandQueue::kMaxQueuedAlerts);
  // The frame takes them: none pending, all queued in the overlay.
  EXPECT_EQ(queue.take().size(), CommandQueue::kMaxQueuedAlerts);
  queue.set_shown(3, CommandQueue::kMaxQueuedAlerts);
  EXPECT_EQ(queue.chat_count(), 3u);
  EXPECT_EQ(queue.alerts_queued(), CommandQueue::kMaxQueuedAlerts);
  EXPECT_FALSE(queue.add_alert("full", AlertType::kInfo, kDuration));

  // One alert done: room for one more.
  queue.set_shown(3, CommandQueue::kMaxQueuedAlerts - 1);
  EXPECT_TRUE(queue.add_alert("fits", AlertType::kInfo, kDuration));
  EXPECT_FALSE(queue.add_alert("full again", AlertType::kInfo, kDuration));
}

TEST(CommandQueue, ClearAlertsMakesRoomAtOnceAlsoForThoseTheOverlayHolds) {
  CommandQueue queue;
  fill_alerts(queue, CommandQueue::kMaxQueuedAlerts);
  queue.take();
  queue.set_shown(0, CommandQueue::kMaxQueuedAlerts);
  ASSERT_FALSE(queue.add_alert("full", AlertType::kInfo, kDuration));
  EXPECT_EQ(queue.alerts_waiting(), CommandQueue::kMaxQueuedAlerts);
  queue.clear_alerts();
  EXPECT_EQ(queue.alerts_waiting(), 0u);
  EXPECT_TRUE(queue.add_alert("fits before the next frame", AlertType::kInfo, kDuration));
  EXPECT_EQ(queue.alerts_waiting(), 1u);
}

TEST(CommandQueue, ApplyingClearsRemovesWhatCameBeforeOnly) {
  ChatLog chat;
  AlertQueue alerts;
  chat.add("old", "shown before", {});
  alerts.push("old", AlertType::kInfo, kDuration);

  CommandQueue queue;
  queue.add_chat("a", "gone", {});
  queue.clear_chat();
  queue.add_chat("b", "stays", {});
  ASSERT_TRUE(queue.add_alert("gone", AlertType::kInfo, kDuration));
  queue.clear_alerts();
  ASSERT_TRUE(queue.add_alert("stays", AlertType::kWarning, kDuration));
  apply_commands(queue.take(), chat, alerts);

  chat.advance(0);
  const std::vector<VisibleChat> shown = chat.visible(0);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].message->text, "stays");
  std::vector<AlertEvent> events;
  alerts.advance(0, events);
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.text, "stays");
  EXPECT_EQ(events[0].alert.type, AlertType::kWarning);
}
