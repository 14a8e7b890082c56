package io.tickwire.codec;

import io.tickwire.sbe.ConflationPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeedQueryTest {
    @Test
    void shouldReadEveryParameterOfASubscribingUrl() {
        final FeedQuery q = FeedQuery.parse("sim=3&from=1200&services=gateway%2Corders&policy=DISCONNECT&token=x");
        assertThat(q.subscribes()).isTrue();
        assertThat(q.simulationId()).isEqualTo(3);
        assertThat(q.fromSequence()).isEqualTo(1200);
        assertThat(q.services()).isEqualTo("gateway,orders");
        assertThat(q.policy()).isEqualTo(ConflationPolicy.DISCONNECT);
    }

    @Test
    void shouldReadAbsentValuesAsTheDefaultsOfASubscribe() {
        for (final String raw : new String[] {null, "", "token=x", "sim=latest"}) {
            final FeedQuery q = FeedQuery.parse(raw);
            assertThat(q.subscribes()).as(raw).isEqualTo("sim=latest".equals(raw));
            assertThat(q.has(FeedQuery.FROM)).isFalse();
            assertThat(q.simulationId()).isZero();
            assertThat(q.fromSequence()).isEqualTo(-1);
            assertThat(q.services()).isEmpty();
            assertThat(q.policy()).isEqualTo(ConflationPolicy.CONFLATE);
        }
    }

    @Test
    void shouldKeepTheFirstOfARepeatedParameterAndDecodeEscapes() {
        final FeedQuery q = FeedQuery.parse("sim=1&sim=2&services=db+%CF%80");
        assertThat(q.simulationId()).isEqualTo(1);
        assertThat(q.services()).isEqualTo("db π");
    }

    @Test
    void shouldRefuseABadValueWhenItIsReadNamingTheParameter() {
        final FeedQuery q = FeedQuery.parse("sim=one&from=x&policy=sometimes&services=%zz");
        assertThatThrownBy(q::simulationId).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("sim must be a simulation id or 'latest', got 'one'");
        assertThatThrownBy(q::fromSequence).hasMessage("from must be a sequence (a tick number, -1 for the latest),"
            + " got 'x'");
        assertThatThrownBy(q::policy).hasMessage("policy must be conflate or disconnect, got 'sometimes'");
        assertThat(q.services()).isEqualTo("%zz");
    }

    @Test
    void shouldDropOnlyTheSubscribingParameters() {
        assertThat(FeedQuery.withoutSubscription("sim=3&token=a%26b&from=5&services=x&policy=conflate&v=2"))
            .isEqualTo("token=a%26b&v=2");
        assertThat(FeedQuery.withoutSubscription("sim=3&from=5")).isNull();
        assertThat(FeedQuery.withoutSubscription(null)).isNull();
    }
}
