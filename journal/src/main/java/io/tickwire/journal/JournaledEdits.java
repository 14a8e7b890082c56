package io.tickwire.journal;

import io.tickwire.engine.Simulation;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The live edits of a journaled run ({@code LiveEditApplied} events), in order, with the ticks they took effect at:
 * what a re-simulation applies again so that it is the same run ({@link Simulation.Context#journaledEdits}).
 */
public final class JournaledEdits {
    private JournaledEdits() {
    }

    /** Every live edit of the journal in {@code dir}, read from its start. */
    public static List<Simulation.JournaledEdit> read(final Path dir) throws IOException {
        try (JournalReader reader = JournalReader.open(dir)) {
            return read(reader);
        }
    }

    /** Every live edit {@code reader} has from its position on (it is left at the journal's end). */
    public static List<Simulation.JournaledEdit> read(final JournalReader reader) {
        final List<Simulation.JournaledEdit> edits = new ArrayList<>();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final LiveEditAppliedDecoder decoder = new LiveEditAppliedDecoder();
        reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
            if (templateId != LiveEditAppliedDecoder.TEMPLATE_ID) {
                return;
            }
            header.wrap(buffer, offset);
            decoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final long at = decoder.tick();
            final int id = decoder.editId();
            final var kind = decoder.kind();
            final byte[] body = new byte[decoder.bodyLength()];
            decoder.getBody(body, 0, body.length);
            edits.add(new Simulation.JournaledEdit(at, id, kind, new String(body, StandardCharsets.UTF_8)));
        });
        return edits;
    }
}
