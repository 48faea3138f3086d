package io.ringwork.runtime.harness;

/** Prints the collector flags {@link NodeProcess} would give the nodes this JVM starts. */
public final class NodeProcessCollectorChild {
    private NodeProcessCollectorChild() {}

    public static void main(String[] args) {
        System.out.println(String.join(" ", NodeProcess.collector()));
    }
}
