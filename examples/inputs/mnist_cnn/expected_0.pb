
BprobabilitiesJ(c'™=¶e>=|³=ωτ >>±§2=ί—)=@rΫ=†O=Mαu=