// onair::guarded on a real element: the first exception becomes one LIBRARY/FAILED error and
// marks the element failed; a failed element runs no more guarded bodies (the fallback comes
// back at once), while guarded_teardown bodies and downward state changes still run.
#include "onair/guard.h"

#include <stdexcept>

#include "element_test.h"

namespace {

using onair::MessagePtr;

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    element_ = gst_bin_new("guarded");
    bus_ = gst_bus_new();
    gst_element_set_bus(element_, bus_);
  }
  void TearDown() override {
    gst_element_set_state(element_, GST_STATE_NULL);
    gst_object_unref(element_);
    gst_object_unref(bus_);
  }

  // Throws from a guarded body and checks the one error it posts (its debug text ends with
  // the exception's).
  void fail(const char *what) {
    EXPECT_EQ(onair::guarded(element_, -1, [what]() -> int { throw std::runtime_error(what); }),
              -1);
    MessagePtr m{gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR)};
    ASSERT_NE(m, nullptr);
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(m.get(), &error, &debug);
    EXPECT_TRUE(g_error_matches(error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_FAILED));
    EXPECT_TRUE(g_str_has_suffix(debug, what)) << debug;
    g_error_free(error);
    g_free(debug);
  }

  GstElement *element_ = nullptr;
  GstBus *bus_ = nullptr;
};

TEST_F(GuardTest, RunsTheBodyWhileNothingThrew) {
  EXPECT_EQ(onair::guarded(element_, -1, [] { return 7; }), 7);
  bool ran = false;
  onair::guarded(element_, [&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_FALSE(onair::element_failed(element_));
  EXPECT_EQ(gst_bus_pop(bus_), nullptr);
}

TEST_F(GuardTest, FirstExceptionPostsOneErrorAndMarksTheElementFailed) {
  fail("boom");
  EXPECT_TRUE(onair::element_failed(element_));
  EXPECT_EQ(gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR), nullptr);
}

TEST_F(GuardTest, AnExceptionOfAnyTypeIsCaught) {
  EXPECT_EQ(onair::guarded(element_, -1, []() -> int { throw 42; }), -1);
  MessagePtr m{gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR)};
  ASSERT_NE(m, nullptr);
  gchar *debug = nullptr;
  gst_message_parse_error(m.get(), nullptr, &debug);
  EXPECT_TRUE(g_str_has_suffix(debug, "unknown exception")) << debug;
  g_free(debug);
  EXPECT_TRUE(onair::element_failed(element_));
}

TEST_F(GuardTest, FailedElementRefusesFurtherWork) {
  fail("boom");
  bool ran = false;
  EXPECT_EQ(onair::guarded(element_, -1,
                           [&] {
                             ran = true;
                             return 7;
                           }),
            -1);
  onair::guarded(element_, [&] { ran = true; });
  EXPECT_FALSE(ran);
  // A refused body posts nothing more: one error in all.
  EXPECT_EQ(gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR), nullptr);
}

TEST_F(GuardTest, TeardownStillRunsOnAFailedElement) {
  fail("boom");
  bool ran = false;
  EXPECT_EQ(onair::guarded_teardown(element_, -1,
                                    [&] {
                                      ran = true;
                                      return 7;
                                    }),
            7);
  EXPECT_TRUE(ran);
  ran = false;
  onair::guarded_teardown(element_, [&] { ran = true; });
  EXPECT_TRUE(ran);
  // An exception in teardown is caught like any other.
  EXPECT_EQ(
      onair::guarded_teardown(element_, -1, []() -> int { throw std::runtime_error("again"); }),
      -1);
  EXPECT_NE(MessagePtr(gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR)), nullptr);
}

TEST_F(GuardTest, StateChangesGoDownButNotUpOnAFailedElement) {
  int ran = 0;
  const auto body = [&] {
    ran++;
    return GST_STATE_CHANGE_SUCCESS;
  };
  EXPECT_EQ(onair::guarded_state_change(element_, GST_STATE_CHANGE_READY_TO_PAUSED, body),
            GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(ran, 1);
  fail("boom");
  EXPECT_EQ(onair::guarded_state_change(element_, GST_STATE_CHANGE_PAUSED_TO_PLAYING, body),
            GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ(ran, 1);
  for (GstStateChange down : {GST_STATE_CHANGE_PLAYING_TO_PAUSED, GST_STATE_CHANGE_PAUSED_TO_READY,
                              GST_STATE_CHANGE_READY_TO_NULL}) {
    EXPECT_EQ(onair::guarded_state_change(element_, down, body), GST_STATE_CHANGE_SUCCESS);
  }
  EXPECT_EQ(ran, 4);
}

TEST_F(GuardTest, TheFailedMarkBelongsToOneElement) {
  fail("boom");
  GstElement *other = gst_bin_new("other");
  EXPECT_FALSE(onair::element_failed(other));
  EXPECT_EQ(onair::guarded(other, -1, [] { return 7; }), 7);
  gst_object_unref(other);
}

}  // namespace
