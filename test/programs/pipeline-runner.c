/* Test helper: runs gst-launch-style pipelines inside ONE process, to test what gst-launch-1.0
 * cannot: repeated NULL→PLAYING→NULL cycles and several pipelines sharing the embedded runtime.
 *
 *   pipeline-runner cycles N "<pipeline>"      run the pipeline to EOS N times, one after another
 *   pipeline-runner parallel K "<pipeline>"    run K copies at the same time, each to EOS
 *   pipeline-runner seek MS "<pipeline>"        play, after MS milliseconds do a flushing seek back
 *                                               to the start, then run to EOS
 *   pipeline-runner pair 0 "<p0>" "<p1>"        run two different pipelines at the same time; print
 *                                               how each ended ("pipeline N: EOS" / "pipeline N: error");
 *                                               exit 0 when p1 reached EOS (p0 may fail)
 *   pipeline-runner set MS "<pipeline>" ELEMENT PROPERTY VALUE
 *                                               play; after MS milliseconds set ELEMENT's PROPERTY to
 *                                               VALUE (as an application would, while PLAYING); run to EOS
 *   pipeline-runner late-loop MS "<pipeline>"   what gst-launch-1.0 does, with its race made certain:
 *                                               PLAYING, then MS milliseconds later a GMainLoop that a
 *                                               bus *sync* handler quits on ERROR; exit 1 on the error,
 *                                               3 when the loop quit otherwise; a lost error hangs
 *
 * "%d" in the pipeline is replaced by the cycle / copy number. Exit 0 when every run reached EOS,
 * 1 on the first error (printed). */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GstElement *make(const char *desc, int n) {
  gchar *text = g_strdup_printf(desc, n);
  GError *err = NULL;
  GstElement *p = gst_parse_launch(text, &err);
  if (!p) {
    fprintf(stderr, "parse error in \"%s\": %s\n", text, err ? err->message : "?");
    exit(1);
  }
  g_free(text);
  return p;
}

/* Waits for EOS or an error on the pipeline's bus; returns TRUE on EOS. */
static gboolean wait_eos(GstElement *p, int n) {
  GstBus *bus = gst_element_get_bus(p);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean ok = FALSE;
  if (!msg) {
    fprintf(stderr, "run %d: no EOS within 120 s\n", n);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error(msg, &err, &dbg);
    fprintf(stderr, "run %d: error from %s: %s\n%s\n", n, GST_OBJECT_NAME(msg->src), err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
  } else {
    ok = TRUE;
  }
  if (msg)
    gst_message_unref(msg);
  gst_object_unref(bus);
  return ok;
}

static GMainLoop *g_loop;

/* Like gst-launch-1.0's sync handler: an ERROR quits the main loop, and is lost when the loop does
 * not exist yet. */
static GstBusSyncReply quit_on_error(GstBus *bus, GstMessage *msg, gpointer data) {
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR && g_loop) {
    *(gboolean *)data = TRUE;
    g_main_loop_quit(g_loop);
  }
  return GST_BUS_PASS;
}

static gboolean quit_on_eos(GstBus *bus, GstMessage *msg, gpointer data) {
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS)
    g_main_loop_quit(g_loop);
  return TRUE;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc == 5 && strcmp(argv[1], "pair") == 0) {
    GstElement *ps[2] = {make(argv[3], 0), make(argv[4], 1)};
    for (int i = 0; i < 2; i++)
      if (gst_element_set_state(ps[i], GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        printf("pipeline %d: failed to start\n", i);
    gboolean ok[2];
    for (int i = 0; i < 2; i++) {
      ok[i] = wait_eos(ps[i], i);
      printf("pipeline %d: %s\n", i, ok[i] ? "EOS" : "error");
      fflush(stdout);
    }
    for (int i = 0; i < 2; i++) {
      gst_element_set_state(ps[i], GST_STATE_NULL);
      gst_object_unref(ps[i]);
    }
    return ok[1] ? 0 : 1;
  }
  if (argc == 7 && strcmp(argv[1], "set") == 0) {
    GstElement *p = make(argv[3], 0);
    if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return 1;
    g_usleep((gulong)atoi(argv[2]) * 1000);
    GstElement *e = gst_bin_get_by_name(GST_BIN(p), argv[4]);
    if (!e) {
      fprintf(stderr, "no element %s\n", argv[4]);
      return 2;
    }
    gst_util_set_object_arg(G_OBJECT(e), argv[5], argv[6]);
    printf("set %s.%s\n", argv[4], argv[5]);
    fflush(stdout);
    gst_object_unref(e);
    gboolean ok = wait_eos(p, 0);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    return ok ? 0 : 1;
  }
  if (argc != 4) {
    fprintf(stderr, "usage: %s cycles|parallel N PIPELINE\n", argv[0]);
    return 2;
  }
  int count = atoi(argv[2]);
  if (strcmp(argv[1], "cycles") == 0) {
    GstElement *p = make(argv[3], 0);
    for (int i = 0; i < count; i++) {
      if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE || !wait_eos(p, i)) {
        gst_element_set_state(p, GST_STATE_NULL);
        return 1;
      }
      gst_element_set_state(p, GST_STATE_NULL);
      printf("cycle %d: EOS\n", i);
      fflush(stdout);
    }
    gst_object_unref(p);
  } else if (strcmp(argv[1], "parallel") == 0) {
    GstElement **ps = g_new0(GstElement *, count);
    for (int i = 0; i < count; i++) {
      ps[i] = make(argv[3], i);
      if (gst_element_set_state(ps[i], GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        fprintf(stderr, "pipeline %d failed to start\n", i);
        return 1;
      }
    }
    for (int i = 0; i < count; i++) {
      if (!wait_eos(ps[i], i))
        return 1;
      printf("pipeline %d: EOS\n", i);
    }
    for (int i = 0; i < count; i++) {
      gst_element_set_state(ps[i], GST_STATE_NULL);
      gst_object_unref(ps[i]);
    }
    g_free(ps);
  } else if (strcmp(argv[1], "seek") == 0) {
    GstElement *p = make(argv[3], 0);
    if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return 1;
    g_usleep((gulong)count * 1000);
    if (!gst_element_seek_simple(p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 0)) {
      fprintf(stderr, "seek failed\n");
      return 1;
    }
    printf("seeked\n");
    fflush(stdout);
    if (!wait_eos(p, 0))
      return 1;
    printf("EOS after seek\n");
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  } else if (strcmp(argv[1], "late-loop") == 0) {
    GstElement *p = make(argv[3], 0);
    GstBus *bus = gst_element_get_bus(p);
    gboolean errored = FALSE;
    gst_bus_set_sync_handler(bus, quit_on_error, &errored, NULL);
    gst_bus_add_watch(bus, quit_on_eos, NULL);
    if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return 1;
    g_usleep((gulong)count * 1000);
    g_loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(g_loop);
    gst_element_set_state(p, GST_STATE_NULL);
    printf("%s\n", errored ? "error seen" : "loop ended without an error");
    return errored ? 1 : 3;
  } else {
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  gst_deinit();
  return 0;
}
