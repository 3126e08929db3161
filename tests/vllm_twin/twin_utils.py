"Shared by the twin tests: freeing an in-process vLLM engine."

def free_engine(llm):
    "Shut an in-process engine down and release its memory and its process group, so the next one can start."
    import gc
    try: llm.llm_engine.engine_core.shutdown()
    except Exception: pass
    del llm; gc.collect()
    from vllm.distributed.parallel_state import cleanup_dist_env_and_memory
    cleanup_dist_env_and_memory()
