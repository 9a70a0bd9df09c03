/*
 * tsvision-rtsp-server: serves a gst-launch description at rtsp://ADDRESS:PORT/MOUNT (gst-rtsp-server).
 *
 *   tsvision-rtsp-server [--address A] [--port N] [--mount /PATH] [--feed DESC [--feed-start S]] [--stamp NAME]
 *                        MEDIA
 *
 * MEDIA is a gst-launch description whose payloaders are named pay0, pay1, … (e.g. `… ! x264enc ! rtph264pay
 * name=pay0 pt=96`). It is built when the first client asks for the stream and shared by all clients (one
 * pipeline, however many viewers), and stopped when the last one leaves.
 *
 * --feed DESCRIPTION runs a second pipeline for the whole life of the server and plays it in a loop: segment
 * seeks back to the start (or to --feed-start SECONDS) at the end of its input, so a video file becomes a camera
 * that never ends (a live feed is played as it comes). It hands its frames to MEDIA through
 * intervideosink/intervideosrc (same `channel`, same caps on both sides), e.g.
 *   --feed 'filesrc location=v.mp4 ! decodebin ! videoconvert ! videoscale ! videorate !
 *           video/x-raw,format=I420,width=640,height=360,framerate=10/1 ! intervideosink channel=cam'
 *   'intervideosrc channel=cam ! video/x-raw,format=I420,width=640,height=360,framerate=10/1 ! … ! rtph264pay name=pay0'
 *
 * --stamp NAME draws the wall clock (milliseconds since 1970 modulo 2^32) into every frame leaving the element
 * named NAME in MEDIA (an `identity name=NAME` on raw I420, NV12 or GRAY8 video): 32 blocks of 16x16 pixels
 * along the top rows, white for a 1 bit (most significant first), and below them the same bits inverted, so a
 * reader can tell a valid stamp from noise. bench/stream-latency-bench.mjs reads it back at the far end.
 *
 * --port 0 picks a free port. When the server is listening it prints one line on stdout,
 * `serving rtsp://ADDRESS:PORT/MOUNT`. SIGINT and SIGTERM stop it (exit status 0); a description that does not
 * parse or a feed that fails is an error on stderr (exit status 1; 2 for a bad command line).
 */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(rtsp_server_debug);
#define GST_CAT_DEFAULT rtsp_server_debug

#define STAMP_BITS 32
#define STAMP_BLOCK 16

typedef struct {
  GMainLoop *loop;
  GstElement *feed;
  GstClockTime feed_start;
  gboolean feed_started; /* prerolled once and set playing */
  gchar *stamp_name;
  int status;
} Server;

/* ---- the stamp ---- */

static void fill_block(guint8 *plane, gint stride, gint x0, gint y0, gint w, gint h, guint8 value) {
  for (gint y = y0; y < y0 + h; y++)
    memset(plane + (gsize)y * stride + x0, value, w);
}

static GstPadProbeReturn stamp_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data) {
  gint *warned = user_data; /* one warning per media, not one per frame */
  GstCaps *caps = gst_pad_get_current_caps(pad);
  GstVideoInfo vinfo;
  gboolean ok = caps && gst_video_info_from_caps(&vinfo, caps);
  if (caps)
    gst_caps_unref(caps);
  if (!ok)
    return GST_PAD_PROBE_OK;
  GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&vinfo);
  if (format != GST_VIDEO_FORMAT_I420 && format != GST_VIDEO_FORMAT_NV12 && format != GST_VIDEO_FORMAT_GRAY8) {
    if (g_atomic_int_compare_and_exchange(warned, 0, 1))
      g_printerr("tsvision-rtsp-server: --stamp needs I420, NV12 or GRAY8 video, not %s: frames left unstamped\n",
                 gst_video_format_to_string(format));
    return GST_PAD_PROBE_OK;
  }
  if (GST_VIDEO_INFO_WIDTH(&vinfo) < STAMP_BITS * STAMP_BLOCK || GST_VIDEO_INFO_HEIGHT(&vinfo) < 2 * STAMP_BLOCK) {
    if (g_atomic_int_compare_and_exchange(warned, 0, 1))
      g_printerr("tsvision-rtsp-server: --stamp needs frames of at least %dx%d pixels: frames left unstamped\n",
                 STAMP_BITS * STAMP_BLOCK, 2 * STAMP_BLOCK);
    return GST_PAD_PROBE_OK;
  }
  GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &vinfo, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  const guint32 ms = (guint32)((guint64)(g_get_real_time() / 1000) & 0xffffffffu);
  guint8 *luma = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
  const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  for (gint bit = 0; bit < STAMP_BITS; bit++) {
    const gboolean one = (ms >> (STAMP_BITS - 1 - bit)) & 1;
    fill_block(luma, stride, bit * STAMP_BLOCK, 0, STAMP_BLOCK, STAMP_BLOCK, one ? 235 : 16);
    fill_block(luma, stride, bit * STAMP_BLOCK, STAMP_BLOCK, STAMP_BLOCK, STAMP_BLOCK, one ? 16 : 235);
  }
  /* Neutral chroma under the blocks: black and white, whatever the picture was. */
  const gint cw = STAMP_BITS * STAMP_BLOCK / 2, ch = STAMP_BLOCK;
  if (format == GST_VIDEO_FORMAT_I420) {
    fill_block(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1), GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1), 0, 0, cw, ch, 128);
    fill_block(GST_VIDEO_FRAME_PLANE_DATA(&frame, 2), GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2), 0, 0, cw, ch, 128);
  } else if (format == GST_VIDEO_FORMAT_NV12) {
    fill_block(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1), GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1), 0, 0, 2 * cw, ch, 128);
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

static void media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user_data) {
  (void)factory;
  Server *server = user_data;
  if (!server->stamp_name)
    return;
  GstElement *bin = gst_rtsp_media_get_element(media);
  GstElement *target = gst_bin_get_by_name_recurse_up(GST_BIN(bin), server->stamp_name);
  if (!target) {
    g_printerr("tsvision-rtsp-server: --stamp %s: the media has no element named \"%s\" (add e.g. identity "
               "name=%s on its raw video)\n",
               server->stamp_name, server->stamp_name, server->stamp_name);
  } else {
    GstPad *src = gst_element_get_static_pad(target, "src");
    if (src) {
      gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe, g_new0(gint, 1), g_free);
      gst_object_unref(src);
    }
    gst_object_unref(target);
  }
  gst_object_unref(bin);
}

/* ---- the looping feed ---- */

static void feed_seek(Server *server, gboolean flush) {
  GstSeekFlags flags = GST_SEEK_FLAG_SEGMENT | (flush ? GST_SEEK_FLAG_FLUSH : 0);
  if (!gst_element_seek(server->feed, 1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET, server->feed_start, GST_SEEK_TYPE_NONE,
                        GST_CLOCK_TIME_NONE))
    GST_WARNING("the feed refused a seek to its start");
}

static gboolean feed_bus(GstBus *bus, GstMessage *message, gpointer user_data) {
  (void)bus;
  Server *server = user_data;
  switch (GST_MESSAGE_TYPE(message)) {
  case GST_MESSAGE_ASYNC_DONE:
    if (!server->feed_started) {
      server->feed_started = TRUE; /* prerolled: a flushing segment seek starts the first loop, then play */
      GST_INFO("feed: prerolled, seeking to its start and playing");
      feed_seek(server, TRUE);
      gst_element_set_state(server->feed, GST_STATE_PLAYING);
    }
    break;
  case GST_MESSAGE_SEGMENT_DONE:
    GST_INFO("feed: end of its input, looping");
    feed_seek(server, FALSE); /* seamless: the running time goes on */
    break;
  case GST_MESSAGE_EOS: /* an input that does not do segment seeks: start it over */
    GST_INFO("feed: EOS, starting over");
    feed_seek(server, TRUE);
    break;
  case GST_MESSAGE_ERROR: {
    GError *error = NULL;
    gchar *debug = NULL;
    gst_message_parse_error(message, &error, &debug);
    g_printerr("tsvision-rtsp-server: the feed failed: %s (%s)\n", error->message, debug ? debug : "");
    g_clear_error(&error);
    g_free(debug);
    server->status = 1;
    g_main_loop_quit(server->loop);
    break;
  }
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user_data) {
  Server *server = user_data;
  g_main_loop_quit(server->loop);
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  gchar *address = NULL, *mount = NULL, *feed = NULL, *stamp = NULL;
  gint port = 8554;
  gdouble feed_start = 0;
  GOptionEntry entries[] = {
      {"address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to listen on (default 0.0.0.0: every interface)",
       "ADDRESS"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to listen on (default 8554; 0: a free one)", "PORT"},
      {"mount", 'm', 0, G_OPTION_ARG_STRING, &mount, "Path of the stream (default /stream)", "/PATH"},
      {"feed", 'f', 0, G_OPTION_ARG_STRING, &feed,
       "A pipeline run from start to exit, in a loop (segment seeks), feeding MEDIA through intervideosink", "DESC"},
      {"feed-start", 0, 0, G_OPTION_ARG_DOUBLE, &feed_start,
       "Where in its input the feed starts, and starts again at each loop (seconds, default 0)", "SECONDS"},
      {"stamp", 's', 0, G_OPTION_ARG_STRING, &stamp,
       "Draw the wall clock (ms) into each raw frame leaving the element named NAME in MEDIA", "NAME"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *context = g_option_context_new("MEDIA - serve a gst-launch description over RTSP");
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError *error = NULL;
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("tsvision-rtsp-server: %s\n", error->message);
    return 2;
  }
  g_option_context_free(context);
  if (argc != 2) {
    g_printerr("usage: tsvision-rtsp-server [--address A] [--port N] [--mount /PATH] [--feed DESC] [--stamp NAME] "
               "MEDIA\n");
    return 2;
  }
  if (port < 0 || port > 65535) {
    g_printerr("tsvision-rtsp-server: --port %d is not a port (0-65535)\n", port);
    return 2;
  }
  if (mount && mount[0] != '/') {
    g_printerr("tsvision-rtsp-server: --mount must start with '/' (got \"%s\")\n", mount);
    return 2;
  }
  GST_DEBUG_CATEGORY_INIT(rtsp_server_debug, "tsvision-rtsp-server", 0, "tsvision RTSP server");

  /* MEDIA is parsed when a client first asks for it: parse it once now, so a mistake shows at start. */
  GstElement *check = gst_parse_launch_full(argv[1], NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!check) {
    g_printerr("tsvision-rtsp-server: MEDIA does not parse: %s\n", error->message);
    return 1;
  }
  gst_object_unref(check);

  if (feed_start < 0) {
    g_printerr("tsvision-rtsp-server: --feed-start must be 0 or more seconds (got %g)\n", feed_start);
    return 2;
  }
  Server server = {g_main_loop_new(NULL, FALSE), NULL, (GstClockTime)(feed_start * GST_SECOND), FALSE, stamp, 0};
  if (feed) {
    server.feed = gst_parse_launch_full(feed, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
    if (!server.feed) {
      g_printerr("tsvision-rtsp-server: --feed does not parse: %s\n", error->message);
      return 1;
    }
    GstBus *bus = gst_element_get_bus(server.feed);
    gst_bus_add_watch(bus, feed_bus, &server);
    gst_object_unref(bus);
    GstStateChangeReturn ret = gst_element_set_state(server.feed, GST_STATE_PAUSED);
    if (ret == GST_STATE_CHANGE_FAILURE) {
      GstBus *feed_bus_ = gst_element_get_bus(server.feed);
      GstMessage *m = gst_bus_pop_filtered(feed_bus_, GST_MESSAGE_ERROR);
      GError *why = NULL;
      if (m)
        gst_message_parse_error(m, &why, NULL);
      g_printerr("tsvision-rtsp-server: the feed cannot start: %s\n", why ? why->message : "(GST_DEBUG=3 says why)");
      g_clear_error(&why);
      if (m)
        gst_message_unref(m);
      gst_object_unref(feed_bus_);
      return 1;
    }
    if (ret == GST_STATE_CHANGE_NO_PREROLL) {
      /* A live feed (a camera): nothing to loop, play it as it comes. Started: the ASYNC_DONE its
       * sinks post once PLAYING is no preroll, and a seek would fail (v4l2src) or restart it (rtspsrc). */
      GST_INFO("feed: live, playing it as it comes");
      server.feed_started = TRUE;
      gst_element_set_state(server.feed, GST_STATE_PLAYING);
    }
  }

  GstRTSPServer *rtsp = gst_rtsp_server_new();
  gst_rtsp_server_set_address(rtsp, address ? address : "0.0.0.0");
  gchar *service = g_strdup_printf("%d", port);
  gst_rtsp_server_set_service(rtsp, service);
  g_free(service);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gchar *launch = g_strdup_printf("( %s )", argv[1]);
  gst_rtsp_media_factory_set_launch(factory, launch);
  g_free(launch);
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(media_configure), &server);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(rtsp);
  gst_rtsp_mount_points_add_factory(mounts, mount ? mount : "/stream", factory);
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(rtsp, NULL) == 0) {
    g_printerr("tsvision-rtsp-server: cannot listen on %s:%d\n", address ? address : "0.0.0.0", port);
    return 1;
  }
  g_unix_signal_add(SIGINT, on_signal, &server);
  g_unix_signal_add(SIGTERM, on_signal, &server);
  printf("serving rtsp://%s:%d%s\n", address ? address : "0.0.0.0", gst_rtsp_server_get_bound_port(rtsp),
         mount ? mount : "/stream");
  fflush(stdout);

  g_main_loop_run(server.loop);

  if (server.feed) {
    gst_element_set_state(server.feed, GST_STATE_NULL);
    gst_object_unref(server.feed);
  }
  g_object_unref(rtsp);
  g_main_loop_unref(server.loop);
  return server.status;
}
