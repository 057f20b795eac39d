from stacks.worker import WorkerStack

__all__ = ["WorkerStack"]
