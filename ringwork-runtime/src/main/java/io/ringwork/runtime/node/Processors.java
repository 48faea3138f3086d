package io.ringwork.runtime.node;

import io.ringwork.core.processing.Processor;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds processors through {@link ServiceLoader}: the built-in ones and any in a user's jar on the class path. */
public final class Processors {
    private Processors() {}

    @SuppressWarnings("rawtypes")
    public static List<Processor<?>> load() {
        List<Processor<?>> processors = new ArrayList<>();
        for (Processor processor : ServiceLoader.load(Processor.class)) processors.add(processor);
        return processors;
    }
}
