package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tickwire.codec.Schema;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SeriesRegistry;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.sbe.IngestNackEncoder;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.IngestStatusEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.SampleBatchDecoder;
import io.tickwire.sbe.SeriesDeclarationDecoder;
import io.tickwire.transport.ingest.IngestBatch;
import io.tickwire.transport.ingest.IngestException;
import io.tickwire.transport.ingest.JsonSamplesDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One WebSocket ingest connection, {@code /ingest[?observation=ID]} (docs/ingest.md, "WebSocket"): binary frames of
 * SBE {@code SeriesDeclaration} and {@code SampleBatch}, or JSON text frames for simple agents, into an observed run
 * through the same path as the HTTP endpoints ({@link IngestBatch}: per-source token buckets, a batch taken whole or
 * not at all, the run's metrics ring).
 * <pre>
 *   server ─► IngestStatus{consumedBatch 0, consumedBytes 0, window}          at open
 *   client ─► SeriesDeclaration{key → source, metric, labels, kind, unit}     keys 0..maxSeries-1, per connection
 *   client ─► SampleBatch{batch, [key, timestampNs, value]}                   while its bytes beyond consumedBytes
 *                                                                            fit the window
 *   server ─► IngestStatus{consumedBatch, consumedBytes, window}             after each read that consumed frames
 *   server ─► IngestNack{batch, reason, retryAfterMs, message}               a batch refused whole (over rate: the
 *                                                                            connection goes on)
 * </pre>
 * <b>Flow control</b>, like Aeron's status messages: the client may have at most {@code window} bytes of data frames
 * beyond the consumedBytes last announced; one that sends more is closed (1008). A batch the ring cannot take yet
 * stops the connection's reads (autoRead off) until it is in, so TCP pushes back and nothing queues here: a flooding
 * source holds at most one frame and its staged samples, and never slows another connection's event loop.
 * <p>
 * <b>Close codes</b>: 1002 truncated frame or wrong schema id; 1003 unknown template; 1007 an undeclared key, a
 * non-finite value, a bad declaration, or a malformed JSON frame (the reason names the element and field); 1008
 * beyond the window; 1009 a frame over {@code maxFramePayloadBytes}; 1013 no observed run is running; 1001 the run
 * ended. Over rate is not a close: {@code IngestNack} RATE_LIMITED with retryAfterMs (OVERSIZED: more samples of one
 * source than its burst). Text frames are answered by a JSON text frame each: {@code {"accepted","refused"}} or
 * {@code {"error","reason","retryAfterMs"}}.
 * <p>
 * <b>Confined to the connection's event loop.</b> Decoding a SampleBatch allocates nothing.
 */
final class IngestFrameHandler extends ChannelInboundHandlerAdapter {
    static final String PATH = "/ingest";
    /** Keys a connection may declare: SampleBatch keys are uint16. */
    static final int MAX_KEYS = 65_536;
    private static final Logger LOG = LoggerFactory.getLogger(IngestFrameHandler.class);
    private static final int UNDECLARED = Integer.MIN_VALUE;
    private static final long RING_RETRY_MS = 1;
    private static final Pattern LABEL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*");

    private final FeedRuntime runtime;
    private final int window;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SeriesDeclarationDecoder declaration = new SeriesDeclarationDecoder();
    private final SampleBatchDecoder samples = new SampleBatchDecoder();
    private final MessageHeaderEncoder headerOut = new MessageHeaderEncoder();
    private final IngestStatusEncoder status = new IngestStatusEncoder();
    private final IngestNackEncoder nack = new IngestNackEncoder();
    private final UnsafeBuffer inbound = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer outbound = new UnsafeBuffer(new byte[512]);
    private final JsonSamplesDecoder json = new JsonSamplesDecoder();
    private int[] keyInput = new int[64];
    private int[] keySource = new int[64];
    private ChannelHandlerContext ctx;
    private Observation observation;
    private IngestBatch batch;
    private long receivedBytes;
    private long consumedBytes;
    private long announcedBytes;
    private long consumedBatch;
    private boolean waitingForRing;
    private boolean closing;
    /** Frames read while a batch waits for the ring (retained): at most a window's bytes, as the client keeps it. */
    private final ArrayDeque<WebSocketFrame> backlog = new ArrayDeque<>();

    IngestFrameHandler(final FeedRuntime runtime) {
        this.runtime = runtime;
        this.window = runtime.ctx().ingestWindowBytes();
        Arrays.fill(keyInput, UNDECLARED);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception {
        if (!(evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (ctx.pipeline().get(FeedServerInitializer.API_HANDLER) != null) {
            ctx.pipeline().remove(FeedServerInitializer.API_HANDLER);
        }
        final List<String> ids = new QueryStringDecoder(handshake.requestUri()).parameters().get("observation");
        final SimulationRegistry registry = runtime.registry();
        Optional<Observation> found;
        try {
            found = ids == null || ids.isEmpty() ? registry.latestRunningObservation()
                : registry.observation(Long.parseLong(ids.get(0)));
        } catch (final NumberFormatException ex) {
            found = Optional.empty();
        }
        if (found.isEmpty() || found.get().state() != Simulation.State.RUNNING) {
            close(WebSocketCloseStatus.TRY_AGAIN_LATER, found.isEmpty()
                ? "no observed run is running: start one (tickwire observe, or POST /observations)"
                : "observed run " + found.get().id() + " has ended");
            return;
        }
        observation = found.get();
        batch = new IngestBatch(observation);
        sendStatus();
        ctx.flush();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing || batch == null) {
            frame.release();
            return;
        }
        final int length = frame.content().readableBytes();
        if (receivedBytes + length - announcedBytes > window) {
            frame.release();
            batch.registry().unattributed().rejected(IngestRejection.FLOW_CONTROL, 1);
            close(WebSocketCloseStatus.POLICY_VIOLATION, "beyond the window: " + (receivedBytes + length
                - announcedBytes) + " bytes past consumedBytes " + announcedBytes + ", window " + window);
            return;
        }
        receivedBytes += length;
        if (waitingForRing || !backlog.isEmpty()) {
            backlog.add(frame); // the reads are off; these were decoded from the last one
            return;
        }
        handle(frame);
    }

    private void handle(final WebSocketFrame frame) {
        try {
            if (observation.state() != Simulation.State.RUNNING) {
                close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "observed run " + observation.id() + " has ended");
                return;
            }
            final ByteBuf content = frame.content();
            final int length = content.readableBytes();
            if (frame instanceof BinaryWebSocketFrame) {
                onBinary(content, length);
            } else if (frame instanceof TextWebSocketFrame) {
                onText(content, length);
            } else {
                close(WebSocketCloseStatus.PROTOCOL_ERROR, "unexpected " + frame.getClass().getSimpleName());
            }
        } finally {
            frame.release();
        }
    }

    private void drainBacklog() {
        WebSocketFrame next;
        while (!waitingForRing && (next = backlog.poll()) != null) {
            if (closing) {
                next.release();
            } else {
                handle(next);
            }
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        WebSocketFrame next;
        while ((next = backlog.poll()) != null) {
            next.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        if (!closing && !waitingForRing && consumedBytes != announcedBytes) {
            sendStatus();
        }
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message larger than the frame limit");
        } else if (cause instanceof ClosedChannelException) {
            ctx.close();
        } else {
            LOG.debug("ingest {} failed", ctx.channel().remoteAddress(), cause);
            close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "internal error");
        }
    }

    private void onBinary(final ByteBuf content, final int length) {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: " + length + " bytes, less than a header");
            return;
        }
        if (content.hasMemoryAddress()) {
            inbound.wrap(content.memoryAddress() + content.readerIndex(), length);
        } else if (content.hasArray()) {
            inbound.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
        } else {
            inbound.wrap(content.nioBuffer(content.readerIndex(), length), 0, length);
        }
        header.wrap(inbound, 0);
        if (header.schemaId() != Schema.ID) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "wrong schemaId " + header.schemaId() + ", expected "
                + Schema.ID);
            return;
        }
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int minBlock = templateId == SampleBatchDecoder.TEMPLATE_ID ? SampleBatchDecoder.BLOCK_LENGTH
            : templateId == SeriesDeclarationDecoder.TEMPLATE_ID ? SeriesDeclarationDecoder.BLOCK_LENGTH : -1;
        if (minBlock < 0) {
            close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "unknown templateId " + templateId + ": /ingest takes "
                + "SeriesDeclaration (" + SeriesDeclarationDecoder.TEMPLATE_ID + ") and SampleBatch ("
                + SampleBatchDecoder.TEMPLATE_ID + ")");
            return;
        }
        if (blockLength < minBlock || length < MessageHeaderDecoder.ENCODED_LENGTH + blockLength) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: template " + templateId + " needs "
                + (MessageHeaderDecoder.ENCODED_LENGTH + blockLength) + " bytes, got " + length);
            return;
        }
        try {
            if (templateId == SampleBatchDecoder.TEMPLATE_ID) {
                samples.wrap(inbound, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, header.version());
                onSamples(length);
            } else {
                declaration.wrap(inbound, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, header.version());
                onDeclaration();
                consumedBytes += length;
            }
        } catch (final IndexOutOfBoundsException ex) {
            batch.reset();
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: template " + templateId + " of " + length
                + " bytes ends inside a group or a string");
        } catch (final IllegalArgumentException ex) { // an enum value the schema does not have
            batch.reset();
            close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "template " + templateId + ": " + ex.getMessage());
        }
    }

    /** Keys to series: each resolved once, as the HTTP endpoints' decoders cache theirs. */
    private void onDeclaration() {
        final SeriesRegistry registry = batch.registry();
        for (final SeriesDeclarationDecoder.SeriesDecoder s : declaration.series()) {
            final int key = s.key();
            final MetricKind kind = s.kind();
            final String source = s.source();
            final String metric = s.metric();
            final String labelText = s.labels();
            final String unit = s.unit();
            if (source.isEmpty() || metric.isEmpty()) {
                close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "SeriesDeclaration key " + key + ": source and "
                    + "metric are required");
                return;
            }
            final SortedMap<String, String> labels = labels(labelText);
            if (labels == null) {
                close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "SeriesDeclaration key " + key + ": labels must be "
                    + "k=\"v\" pairs, comma-separated (got '" + labelText + "')");
                return;
            }
            final int input = registry.input(source, metric, labels, kind == MetricKind.NULL_VAL ? null : kind,
                unit.isEmpty() ? null : unit, SeriesRegistry.Protocol.EVENTS);
            declare(key, input, batch.sourceIndex(source));
            if (input < 0) {
                final IngestRejection reason = input == SeriesRegistry.UNKNOWN_SOURCE
                    ? IngestRejection.UNKNOWN_SOURCE : IngestRejection.SERIES_LIMIT;
                sendNack(0, reason, 0, "key " + key + " (" + source + "/" + metric + "): " + (input
                    == SeriesRegistry.UNKNOWN_SOURCE ? "not a source of this run" : "the run's series limit is "
                    + "reached") + "; its samples are refused and counted");
            }
        }
    }

    private void declare(final int key, final int input, final int source) {
        if (key >= keyInput.length) {
            final int size = Math.min(MAX_KEYS, Math.max(key + 1, keyInput.length * 2));
            final int from = keyInput.length;
            keyInput = Arrays.copyOf(keyInput, size);
            keySource = Arrays.copyOf(keySource, size);
            Arrays.fill(keyInput, from, size, UNDECLARED);
        }
        keyInput[key] = input;
        keySource[key] = source;
    }

    private void onSamples(final int length) {
        final long batchNumber = samples.batch();
        final IngestBatch batch = this.batch;
        final int[] keyInput = this.keyInput;
        final int[] keySource = this.keySource;
        final long now = batch.nowNs();
        for (final SampleBatchDecoder.SamplesDecoder s : samples.samples()) {
            final int key = s.key();
            final int input = key < keyInput.length ? keyInput[key] : UNDECLARED;
            final double value = s.value();
            if (input == UNDECLARED || !Double.isFinite(value)) {
                batch.malformed(null);
                close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "SampleBatch " + batchNumber + ": " + (input
                    == UNDECLARED ? "key " + key + " was not declared" : "the value of key " + key
                    + " is not finite"));
                return;
            }
            if (input < 0) {
                batch.refuse(input, keySource[key]);
            } else {
                final long ts = s.timestampNs();
                batch.add(input, keySource[key], ts != 0 ? ts : now, value);
            }
        }
        final int taken = batch.samples();
        if (!batch.admit(System.nanoTime())) {
            final SourceStats source = batch.limitedBy();
            final long waitNs = batch.retryAfterNs();
            final int refused = batch.samples() + batch.refused();
            batch.reset();
            runtime.counters().ingestRejected(FeedCounters.IngestProtocol.WEBSOCKET_SBE, refused);
            consumed(batchNumber, length);
            if (waitNs == SourceStats.NEVER) {
                sendNack(batchNumber, IngestRejection.OVERSIZED, 0, "the batch holds more samples of source '"
                    + source.name() + "' than its burst (" + source.limit().burst() + "): send fewer at once");
            } else {
                sendNack(batchNumber, IngestRejection.RATE_LIMITED, Math.max(1, waitNs / 1_000_000), "source '"
                    + source.name() + "' is over its rate (" + source.limit().rate() + "/s, burst "
                    + source.limit().burst() + ")");
            }
            return;
        }
        if (batch.publish()) {
            batch.commit();
            runtime.counters().ingestAccepted(FeedCounters.IngestProtocol.WEBSOCKET_SBE, taken);
            consumed(batchNumber, length);
            return;
        }
        waitForRing(batchNumber, length, taken, FeedCounters.IngestProtocol.WEBSOCKET_SBE);
    }

    private void onText(final ByteBuf content, final int length) {
        try {
            json.decode(content, batch);
        } catch (final IngestException bad) {
            batch.malformed(null);
            runtime.counters().ingestRejected(FeedCounters.IngestProtocol.WEBSOCKET_JSON, 1);
            close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, bad.getMessage());
            return;
        }
        final int taken = batch.samples();
        final int refused = batch.refused();
        if (!batch.admit(System.nanoTime())) {
            final SourceStats source = batch.limitedBy();
            final long waitNs = batch.retryAfterNs();
            batch.reset();
            runtime.counters().ingestRejected(FeedCounters.IngestProtocol.WEBSOCKET_JSON, taken);
            consumed(consumedBatch, length);
            final boolean never = waitNs == SourceStats.NEVER;
            sendText(HttpResponses.JSON.createObjectNode()
                .put("error", "source '" + source.name() + "' " + (never ? "sent more than its burst ("
                    + source.limit().burst() + ") at once" : "is over its rate (" + source.limit().rate() + "/s)"))
                .put("reason", (never ? IngestRejection.OVERSIZED : IngestRejection.RATE_LIMITED).name())
                .put("retryAfterMs", never ? 0 : Math.max(1, waitNs / 1_000_000)).toString());
            return;
        }
        if (batch.publish()) {
            batch.commit();
            runtime.counters().ingestAccepted(FeedCounters.IngestProtocol.WEBSOCKET_JSON, taken);
            consumed(consumedBatch, length);
            sendText("{\"accepted\":" + taken + ",\"refused\":" + refused + "}");
            return;
        }
        waitForRing(-1 - refused, length, taken, FeedCounters.IngestProtocol.WEBSOCKET_JSON);
    }

    /**
     * The ring is full (the aggregator is behind): read nothing more from this connection until the batch is in.
     * {@code batchNumber} below 0 is a text frame's ({@code -1 - refused}).
     */
    private void waitForRing(final long batchNumber, final int length, final int taken,
                             final FeedCounters.IngestProtocol protocol) {
        waitingForRing = true;
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> retryPublish(batchNumber, length, taken, protocol), RING_RETRY_MS,
            TimeUnit.MILLISECONDS);
    }

    private void retryPublish(final long batchNumber, final int length, final int taken,
                              final FeedCounters.IngestProtocol protocol) {
        if (closing || !ctx.channel().isActive()) {
            batch.reset();
            return;
        }
        if (observation.state() != Simulation.State.RUNNING) {
            batch.reset();
            close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "observed run " + observation.id()
                + " ended before the batch was in");
            return;
        }
        if (!batch.publish()) {
            ctx.executor().schedule(() -> retryPublish(batchNumber, length, taken, protocol), RING_RETRY_MS,
                TimeUnit.MILLISECONDS);
            return;
        }
        batch.commit();
        runtime.counters().ingestAccepted(protocol, taken);
        waitingForRing = false;
        if (batchNumber >= 0) {
            consumed(batchNumber, length);
        } else {
            consumed(consumedBatch, length);
            sendText("{\"accepted\":" + taken + ",\"refused\":" + (-1 - batchNumber) + "}");
        }
        drainBacklog();
        if (!waitingForRing) {
            sendStatus();
            ctx.flush();
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void consumed(final long batchNumber, final int length) {
        consumedBatch = batchNumber;
        consumedBytes += length;
    }

    private void sendStatus() {
        headerOut.wrap(outbound, 0)
            .blockLength(IngestStatusEncoder.BLOCK_LENGTH)
            .templateId(IngestStatusEncoder.TEMPLATE_ID)
            .schemaId(IngestStatusEncoder.SCHEMA_ID)
            .version(IngestStatusEncoder.SCHEMA_VERSION);
        status.wrap(outbound, MessageHeaderEncoder.ENCODED_LENGTH)
            .consumedBatch(consumedBatch)
            .consumedBytes(consumedBytes)
            .window(window);
        announcedBytes = consumedBytes;
        write(MessageHeaderEncoder.ENCODED_LENGTH + IngestStatusEncoder.BLOCK_LENGTH);
    }

    private void sendNack(final long batchNumber, final IngestRejection reason, final long retryAfterMs,
                          final String message) {
        headerOut.wrap(outbound, 0)
            .blockLength(IngestNackEncoder.BLOCK_LENGTH)
            .templateId(IngestNackEncoder.TEMPLATE_ID)
            .schemaId(IngestNackEncoder.SCHEMA_ID)
            .version(IngestNackEncoder.SCHEMA_VERSION);
        nack.wrap(outbound, MessageHeaderEncoder.ENCODED_LENGTH)
            .batch(batchNumber)
            .reason(reason)
            .retryAfterMs(retryAfterMs)
            .message(message.length() > 400 ? message.substring(0, 400) : message);
        write(MessageHeaderEncoder.ENCODED_LENGTH + nack.encodedLength());
    }

    private void write(final int length) {
        final ByteBuf out = ctx.alloc().buffer(length);
        out.writeBytes(outbound.byteArray(), 0, length);
        ctx.write(new BinaryWebSocketFrame(out), ctx.voidPromise()); // a failed write reaches exceptionCaught
    }

    private void sendText(final String text) {
        ctx.write(new TextWebSocketFrame(text));
    }

    private void close(final WebSocketCloseStatus status, final String reason) {
        if (closing) {
            return;
        }
        closing = true;
        runtime.counters().countDisconnect(status);
        LOG.debug("ingest {}: closing {} {}", ctx.channel().remoteAddress(), status.code(), reason);
        FeedCloseHandler.closeWith(ctx.channel(), status, reason);
    }

    /** {@code k="v"} pairs, comma-separated (values may escape {@code \"} and {@code \\}); null if malformed. */
    static SortedMap<String, String> labels(final String text) {
        final SortedMap<String, String> labels = new TreeMap<>();
        if (text.isBlank()) {
            return labels;
        }
        final Matcher m = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            labels.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
            at = m.end();
            if (at < text.length()) {
                if (text.charAt(at) != ',') {
                    return null;
                }
                at++;
            }
        }
        return labels;
    }
}
