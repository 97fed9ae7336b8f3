from dataclasses import dataclass


@dataclass
class Config:
    width: int = 32
    act: str = "relu"
