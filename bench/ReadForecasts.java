import io.grokwatch.events.*;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

/**
 * Prints one run's forecast and transition events from grokwatch.events (from the beginning, read_committed) as JSON
 * lines, until no record has come for IDLE_SECONDS (default 10); the project has no consumer command of its own.
 *
 * <pre>java -cp cli/target/grokwatch.jar bench/ReadForecasts.java 127.0.0.1:PORT RUN [IDLE_SECONDS]</pre>
 */
public class ReadForecasts {
    public static void main(String[] a) {
        if (a.length < 2) {
            System.err.println("usage: java -cp cli/target/grokwatch.jar bench/ReadForecasts.java BOOTSTRAP RUN [IDLE_SECONDS]");
            System.exit(2);
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a[0]);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long idle = a.length > 2 ? Long.parseLong(a[2]) : 10;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            c.partitionsFor(Topics.EVENTS).forEach(i -> tps.add(new TopicPartition(i.topic(), i.partition())));
            c.assign(tps);
            c.seekToBeginning(tps);
            long last = System.currentTimeMillis();
            while (System.currentTimeMillis() - last < idle * 1000) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    last = System.currentTimeMillis();
                    Event e = EventCodec.decode(r.value());
                    if (e.run().equals(a[1]) && (e instanceof Forecast || e instanceof Transition))
                        System.out.println(EventCodec.encodeToString(e));
                }
            }
        }
    }
}
