package io.ringwork.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicaLinkTest {
    private HttpServer server;
    private ReplicaLink link;

    @AfterEach
    void close() {
        if (link != null) link.close();
        if (server != null) server.stop(0);
    }

    @Test
    void aNewLinkSendsOneEmptyBatchBeforeAnyMessage() throws Exception {
        List<ReplicaCodec.Batch> received = new CopyOnWriteArrayList<>();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/internal/v1/replicate", exchange -> {
            try (exchange) {
                received.add(ReplicaCodec.decodeBatch(exchange.getRequestBody().readAllBytes()));
                byte[] acks = ReplicaCodec.encodeAcks(List.of());
                exchange.sendResponseHeaders(200, acks.length);
                exchange.getResponseBody().write(acks);
            }
        });
        server.start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // Nothing is ever offered: the empty batch needs no service to hand acks or failures to.
        link = new ReplicaLink("n1", "n2", "127.0.0.1:" + server.getAddress().getPort(), null, http);

        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        Thread.sleep(300); // a second batch, if one were sent, would have come by now
        assertThat(received).hasSize(1);
        assertThat(received.get(0).from()).isEqualTo("n1");
        assertThat(received.get(0).messages()).isEmpty();
    }
}
