"""Builds the class it is handed, with the keywords it is given."""


def build(model_cls, variant, **kwargs):
    model = model_cls(**kwargs)
    model.variant = variant
    return model
