package dev.ingot.models;

import dev.ingot.core.Shape;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Model;

import java.util.function.Supplier;

/**
 * A named model recipe: its architecture, the dataset it trains on and the optimizer it trains
 * with. Each call of {@link #newModel()} and {@link #newOptimizer()} makes fresh, unbuilt objects.
 *
 * @param name         registry name, e.g. {@code "mnist-cnn"}
 * @param dataset      the dataset name {@link dev.ingot.data.Datasets#load} knows, e.g. {@code "mnist"}
 * @param inputShape   one image, {@code (C, H, W)}
 * @param description  one line: what it is and where it comes from
 * @param epochs       how many epochs the Keras original trains for
 * @param architecture makes the layers
 * @param optimizer    makes the optimizer
 */
public record ReferenceModel(String name, String dataset, Shape inputShape, String description, int epochs,
                             Supplier<? extends Model> architecture, Supplier<Optimizer> optimizer) {

    /** A new, unbuilt model with this architecture. */
    public Model newModel() {
        return architecture.get();
    }

    /** A new optimizer with this recipe's hyper-parameters. */
    public Optimizer newOptimizer() {
        return optimizer.get();
    }
}
