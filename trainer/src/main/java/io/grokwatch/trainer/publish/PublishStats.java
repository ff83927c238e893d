package io.grokwatch.trainer.publish;

/**
 * Counts of one publisher: {@code published = delivered + dropped + failed + pending}.
 *
 * @param published records handed to {@link EventPublisher#publish}
 * @param delivered records the destination acknowledged (Kafka: acks=all; a file: written)
 * @param dropped records refused because the buffer was full or the publisher was closed
 * @param failed records accepted but never delivered (Kafka gave up, or close timed out)
 * @param pending records accepted and not yet delivered
 */
public record PublishStats(long published, long delivered, long dropped, long failed, long pending) {

    /** Nothing published yet. */
    public static final PublishStats EMPTY = new PublishStats(0, 0, 0, 0, 0);

    public PublishStats {
        if (published < 0 || delivered < 0 || dropped < 0 || failed < 0 || pending < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got published=" + published + " delivered="
                    + delivered + " dropped=" + dropped + " failed=" + failed + " pending=" + pending);
        }
    }

    /** Records that will never arrive: dropped plus failed. */
    public long lost() {
        return dropped + failed;
    }
}
