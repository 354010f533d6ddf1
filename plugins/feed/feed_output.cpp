// feedsrc's output: create() hands out one buffer a slot of a fixed grid of running time,
// waiting on the pipeline clock for the slot's end so that a frame arriving during the slot
// still makes it out. Video repeats the last frame (or black) when no new one came; audio
// takes 20 ms chunks from the jitter buffer, padded with silence.
#include <limits>

#include "feedsrc_messages.h"
#include "feedsrc_priv.h"

#define GST_CAT_DEFAULT feed_src_debug

namespace onair::feedsrc {

namespace msg = onair::feedsrc_messages;

namespace {

// Waits until the slot's end on the pipeline clock. False when unlocked (flushing).
bool wait_for_slot_end(Priv *p, std::unique_lock<std::mutex> &lock, GstClockTime end) {
  State &st = *p->state;
  onair::ClockPtr clock(gst_element_get_clock(p->element));
  if (!clock) return !st.flushing;
  const GstClockTime base = gst_element_get_base_time(p->element);
  GstClockID id = gst_clock_new_single_shot_id(clock.get(), base + end);
  st.clock_wait = id;
  GstClockReturn ret = GST_CLOCK_UNSCHEDULED;
  if (!st.flushing) {
    lock.unlock();
    ret = gst_clock_id_wait(id, nullptr);
    lock.lock();
  }
  if (p->state) p->state->clock_wait = nullptr;
  gst_clock_id_unref(id);
  return p->state && !p->state->flushing && ret != GST_CLOCK_UNSCHEDULED;
}

}  // namespace

GstClockTime output_latency(const State &st) {
  // A slot's content is chosen when it ends: one slot late, plus the sound's jitter buffer.
  return st.media.grid.length() + (st.media.video ? 0 : st.latency);
}

GstFlowReturn create_slot(Priv *p, GstBuffer **out) {
  std::unique_lock lock(p->lock);
  if (!p->state || p->state->flushing) return GST_FLOW_FLUSHING;
  {
    State &st = *p->state;
    if (st.first_slot) {
      // Joining a pipeline that runs already: start at the slot of the clock's now, rather
      // than racing through every slot since running time 0.
      onair::ClockPtr clock(gst_element_get_clock(p->element));
      const GstClockTime base = gst_element_get_base_time(p->element);
      const GstClockTime now = clock ? gst_clock_get_time(clock.get()) : GST_CLOCK_TIME_NONE;
      if (GST_CLOCK_TIME_IS_VALID(now) && GST_CLOCK_TIME_IS_VALID(base) && now > base)
        st.slot = st.media.grid.at(now - base);
    }
    const bool drained = st.media.video ? st.frames.empty() : st.audio->queued() == 0;
    if (st.ending && drained) return GST_FLOW_EOS;
  }
  const guint64 k = p->state->slot;
  const GstClockTime start = p->state->media.grid.start(k);
  const GstClockTime end = p->state->media.grid.start(k + 1);
  if (!wait_for_slot_end(p, lock, end)) return GST_FLOW_FLUSHING;

  State &st = *p->state;
  BufferPtr buffer;
  feed::VideoSlots::Slot slot;
  if (st.media.video) {
    slot = st.video->on_slot_end(static_cast<int64_t>(end));
    if (slot.picture == feed::VideoSlots::Picture::kNew) {
      st.last_frame = std::move(st.frames.front());
      st.frames.pop_front();
    } else {
      ++p->counters.repeated;
    }
    if (slot.stalled) p->counters.stalled = true;
    if (slot.resumed) p->counters.stalled = false;
    // A shallow copy: new timestamps, the same pixel memory.
    buffer.reset(gst_buffer_copy(st.last_frame.get()));
    GST_BUFFER_OFFSET(buffer.get()) = k;
    GST_BUFFER_OFFSET_END(buffer.get()) = k + 1;
    // A repeat carries no new picture: GAP tells a watchdog downstream (slateswitch) that
    // the writer may have gone silent, while the stream keeps its cadence.
    if (slot.picture != feed::VideoSlots::Picture::kNew)
      GST_BUFFER_FLAG_SET(buffer.get(), GST_BUFFER_FLAG_GAP);
  } else {
    const guint64 first = feed::chunk_start(k, st.media.rate);
    const guint64 samples = feed::chunk_start(k + 1, st.media.rate) - first;
    buffer.reset(gst_buffer_new_allocate(nullptr, samples * st.media.sample_frame_size, nullptr));
    GstMapInfo map;
    gst_buffer_map(buffer.get(), &map, GST_MAP_WRITE);
    // Once ending, what is left plays at once.
    const int64_t now = st.ending ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(end);
    const feed::AudioBuffer::Taken taken = st.audio->take(map.data, map.size, now);
    gst_buffer_unmap(buffer.get(), &map);
    p->counters.silence_samples += taken.silence / st.media.sample_frame_size;
    GST_BUFFER_OFFSET(buffer.get()) = first;
    GST_BUFFER_OFFSET_END(buffer.get()) = first + samples;
  }
  GST_BUFFER_PTS(buffer.get()) = start;
  GST_BUFFER_DTS(buffer.get()) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buffer.get()) = end - start;
  if (st.first_slot) GST_BUFFER_FLAG_SET(buffer.get(), GST_BUFFER_FLAG_DISCONT);
  st.first_slot = false;
  st.slot = k + 1;
  lock.unlock();
  p->room.notify_all();

  if (slot.stalled) {
    GST_INFO_OBJECT(p->element, "no new frame for %" GST_TIME_FORMAT,
                    GST_TIME_ARGS(settings_of(p).stall_timeout));
    post(p, gst_structure_new_empty(msg::kStalled));
  }
  if (slot.resumed)
    post(p, gst_structure_new(msg::kResumed, msg::kStalledFor, G_TYPE_UINT64,
                              static_cast<guint64>(slot.stalled_for), nullptr));
  *out = buffer.release();
  return GST_FLOW_OK;
}

}  // namespace onair::feedsrc
