package dev.ingot.nn;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;

/** The per-sample output shape of a pooling layer, validated through {@link Pool2dGeometry}. */
final class PoolShapes {
    private PoolShapes() {
    }

    static Shape output(String kind, Shape inputShape, Pool2dSpec spec) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException(kind + ": input must be images (C, H, W) per sample, got shape "
                    + inputShape);
        }
        Pool2dGeometry g = Pool2dGeometry.of(kind,
                Shape.of(1, inputShape.dim(0), inputShape.dim(1), inputShape.dim(2)), spec);
        return Shape.of(inputShape.dim(0), g.p(), g.q());
    }
}
