package io.ringwork.core.processing;

import io.ringwork.core.util.Invariants;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Processors by name; routes a record type to its processor. Immutable and thread-safe. */
public final class ProcessorRegistry {
    private final Map<String, Processor<?>> byName;

    public ProcessorRegistry(Collection<? extends Processor<?>> processors) {
        Map<String, Processor<?>> map = new LinkedHashMap<>();
        for (Processor<?> p : processors) {
            String name = p.name();
            Invariants.require(name != null && !name.isEmpty() && name.indexOf('.') < 0,
                    "processor name must be non-empty without dots, got '%s' from %s", name, p.getClass().getName());
            Processor<?> previous = map.putIfAbsent(name, p);
            Invariants.require(previous == null, "two processors claim the name '%s': %s and %s",
                    name, previous == null ? "" : previous.getClass().getName(), p.getClass().getName());
        }
        this.byName = Map.copyOf(map);
    }

    /** The processor for a record type ({@code gluer.merge} -> {@code gluer}), or null if none. */
    public Processor<?> forType(String type) {
        int dot = type.indexOf('.');
        return dot <= 0 ? null : byName.get(type.substring(0, dot));
    }

    public Processor<?> byName(String name) {
        return byName.get(name);
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
