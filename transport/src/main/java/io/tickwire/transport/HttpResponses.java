package io.tickwire.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The JSON answers of the REST API, built in one place: a body, or {@code {"error": "..."}}. */
final class HttpResponses {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_TYPE = "application/json; charset=UTF-8";

    private HttpResponses() {
    }

    static FullHttpResponse json(final HttpResponseStatus status, final Object body) {
        final byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (final JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        final FullHttpResponse response =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        return response;
    }

    static FullHttpResponse error(final HttpResponseStatus status, final String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    static FullHttpResponse notAllowed(final String allow) {
        final FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        return response;
    }
}
