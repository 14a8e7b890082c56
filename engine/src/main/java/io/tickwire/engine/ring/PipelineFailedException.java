package io.tickwire.engine.ring;

/**
 * Thrown on a stage's thread to abandon its work once another stage has failed. Stackless singleton: it is control
 * flow, and the failure that matters is recorded by the stage that failed first.
 */
public final class PipelineFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final PipelineFailedException INSTANCE = new PipelineFailedException();

    private PipelineFailedException() {
        super("another stage of the pipeline failed", null, false, false);
    }
}
