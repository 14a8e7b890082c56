package io.tickwire.codec;

import io.tickwire.sbe.AlertEventEncoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The event family's fixed offsets, read without a decoder: an alert event's tick, time and the service it reads. */
class EventMessagesTest {
    @Test
    void shouldReadAnAlertEventsTickTimeAndService() {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        new AlertEventEncoder().wrapAndApplyHeader(buffer, 16, new MessageHeaderEncoder())
            .simulationId(7).tick(59).simTimeNs(3_000_000_000L).rule(1).fromState(AlertState.PENDING)
            .toState(AlertState.FIRING).value(0.95).activeSinceNs(2_000_000_000L).serviceId(3).name("CheckoutSlow");
        assertThat(EventMessages.isEvent(AlertEventEncoder.TEMPLATE_ID)).isTrue();
        assertThat(EventMessages.isEvent(TickSummaryDecoder.TEMPLATE_ID)).isFalse();
        assertThat(EventMessages.templateId(buffer, 16)).isEqualTo(AlertEventEncoder.TEMPLATE_ID);
        assertThat(EventMessages.tick(buffer, 16)).isEqualTo(59);
        assertThat(EventMessages.simTimeNs(buffer, 16)).isEqualTo(3_000_000_000L);
        final int[] services = new int[2];
        EventMessages.services(buffer, 16, services);
        assertThat(services).containsExactly(3, -1);
    }
}
