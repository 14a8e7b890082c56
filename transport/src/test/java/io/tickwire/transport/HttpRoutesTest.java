package io.tickwire.transport;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HttpRoutesTest {
    private final HttpRoutes.Route list = ex -> null;
    private final HttpRoutes.Route stop = ex -> null;
    private final HttpRoutes routes = new HttpRoutes()
        .add(HttpMethod.GET, "/simulations", list)
        .add(HttpMethod.POST, "/simulations", list)
        .add(HttpMethod.POST, "/simulations/{id}/stop", stop);

    @Test
    void shouldBindPathParameters() {
        final HttpRoutes.Match match = routes.match(HttpMethod.POST, "/simulations/42/stop");

        assertThat(match.route()).isSameAs(stop);
        assertThat(match.parameters()).isEqualTo(Map.of("id", "42"));
    }

    @Test
    void shouldTellAKnownPathWithAnotherMethodFromAnUnknownPath() {
        final HttpRoutes.Match wrongMethod = routes.match(HttpMethod.DELETE, "/simulations");
        final HttpRoutes.Match unknown = routes.match(HttpMethod.GET, "/simulations/42/stop/now");

        assertThat(wrongMethod.found()).isFalse();
        assertThat(wrongMethod.pathKnown()).isTrue();
        assertThat(wrongMethod.allow()).isEqualTo("GET, POST");
        assertThat(unknown.pathKnown()).isFalse();
    }

    @Test
    void shouldNotBindAnEmptySegmentToAParameter() {
        assertThat(routes.match(HttpMethod.POST, "/simulations//stop").pathKnown()).isFalse();
        assertThat(routes.match(HttpMethod.GET, "/simulations/").pathKnown()).isFalse();
    }
}
